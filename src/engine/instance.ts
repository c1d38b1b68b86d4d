/** Where a workflow instance stands. Everything but `running` has ended. */
export type InstanceStatus = 'running' | 'completed' | 'failed' | 'timed_out' | 'cancelled' | 'incomplete';

/** 0 succeeded, 1 failed, 2 started: numbers, because every byte is paid for on every write. */
export type StatusCode = 0 | 1 | 2;

/**
 * One recorded event: [step, status, time, source, traceId, durationMs, coldStart, error].
 * Trailing fields that are absent are left off; absent fields before a present one are null.
 */
export type TimelineRow = [
  step: string,
  status: StatusCode,
  time: number,
  source?: string | null,
  traceId?: string | null,
  durationMs?: number | null,
  coldStart?: boolean | null,
  error?: string | null,
];

/** A step's first successful event, kept for assertions: [time, attributes, source, durationMs, coldStart]. */
export type KeptStep = [
  time: number,
  attributes: Record<string, unknown>,
  source?: string | null,
  durationMs?: number | null,
  coldStart?: boolean | null,
];

/**
 * The state of one workflow instance: plain JSON, stored as is in DynamoDB. Short keys on purpose.
 * Bump `v` and add a migration when the shape changes.
 */
export interface Instance {
  v: 1;
  /** Workflow name. */
  wf: string;
  /** Correlation ID. */
  id: string;
  st: InstanceStatus;
  /** Completed after the workflow deadline. */
  late?: true | undefined;
  /**
   * Earliest time of an event of a step the workflow defines: deadlines count from it until the
   * start arrives. Absent while only unknown steps were seen; such an instance has no deadlines.
   */
  t0?: number | undefined;
  /** Step → done time (first success, or the count-th for counted steps). */
  done: Record<string, number>;
  /** Counted steps → their success times, earliest first, trimmed to the count once it is known. */
  hits?: Record<string, number[]> | undefined;
  /** Counted steps → the count read from an attribute (`count.from`). */
  need?: Record<string, number> | undefined;
  /** Earliest time a `complete` step was seen. */
  cx?: number | undefined;
  /** Observed time at which it ended. */
  end?: number | undefined;
  /**
   * Next wake-up: the earliest observed time at which advancing it could change anything. Kept up
   * to date by every transition; what the sweeper's index sorts on. Absent once it has ended.
   */
  wk?: number | undefined;
  /** Alerts raised, as `kind` or `kind:step`: at most one of each. Absent while none. */
  fired?: string[] | undefined;
  /** Short hashes of the eventIds seen, to drop redeliveries. */
  seen: string[];
  /** Every event recorded, in arrival order (less the rows dropped to fit the item, `tlx`). */
  tl: TimelineRow[];
  /** Timeline rows dropped from the middle to keep the stored instance under the item size limit. */
  tlx?: number | undefined;
  /**
   * Late mode (contract §3, late data): set while an instance whose first event arrived late is
   * judged on its own events. [its own observed time: the latest of its event times, the wall-clock
   * time until which it waits for more events]. The engine never reads it; the runtime does.
   */
  lm?: [observed: number, quietUntil: number] | undefined;
  /**
   * Steps an assertion reads → their first successful event (earliest by time) as the expression
   * sees it: [time, attributes, source, durationMs, coldStart]. Only for steps named in a `when`.
   */
  at?: Record<string, KeptStep> | undefined;
  /** Assertions evaluated (passed or failed): each is evaluated once. */
  asr?: string[] | undefined;
  /** Events of steps the workflow does not define. */
  ign?: number | undefined;
  notes?: string[] | undefined;
}
