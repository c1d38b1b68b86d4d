import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Severity } from '../workflow/schema.js';
import type { LatencyShift } from './baselines.js';
import type { InstanceStatus } from './instance.js';

export const ALERT_KINDS = [
  'step_overdue',
  'workflow_timed_out',
  'completed_late',
  'workflow_failed',
  'workflow_incomplete',
  'out_of_order',
  'assertion_failed',
  'latency_shift',
  'incident',
  'monitor_lagging',
] as const;

export type AlertKind = (typeof ALERT_KINDS)[number];

export interface TimelineEntry {
  step: string;
  status: 'succeeded' | 'failed' | 'started';
  time: string;
  source?: string;
  traceId?: string;
  durationMs?: number;
  coldStart?: boolean;
  error?: string;
  /** A step this workflow does not define: most often a producer's typo. */
  unknown?: true;
}

/** The alert record of contract §4: what subscribers receive. */
export interface Alert {
  alertId: string;
  kind: AlertKind;
  workflow: string;
  correlationId: string;
  step: string | null;
  severity: Severity;
  status: InstanceStatus;
  deadline: string | null;
  detectedAt: string;
  lateByMs: number;
  missing: string[];
  timeline: TimelineEntry[];
  /** Timeline rows left out between the first and the last ones kept (contract §4, size). */
  timelineTrimmed?: number;
  traceIds: string[];
  /** Trace IDs left out between the first and the last ones kept. */
  traceIdsTrimmed?: number;
  /** For a counted step (a fan-out): how many of the events it needs had come when it was raised. */
  count?: { seen: number; needed: number };
  /** assertion_failed: which assertion, and what it saw. */
  assertion?: AssertionOutcome;
  /** latency_shift: the window, its quantiles against the baseline's, and what cold starts explain. */
  latency?: LatencyShift;
  /**
   * `resolved`: it is over (the missing step arrived, the timed-out workflow completed); the same
   * `alertId` as the alert it resolves, so receivers close what they opened. Absent: firing.
   */
  state?: 'resolved';
  /** incident: many alerts of one workflow, kind and step, as one message (docs/operations.md, On call). */
  incident?: IncidentSummary;
}

export interface IncidentSummary {
  id: string;
  /** The kind of the alerts it groups. */
  of: AlertKind;
  /** 0 when it opens, then 1, 2… for each update while it grows. */
  update: number;
  /** Alerts grouped so far (those published one by one before it opened included). */
  count: number;
  openedAt: string;
  firstCorrelationId: string;
  lastCorrelationId: string;
  /** Up to 50 of the instances it holds; all are in the table, each with its own alert recorded. */
  correlationIds: string[];
  /** Producers seen in the grouped alerts' timelines, up to 10. */
  sources: string[];
  /** A few of the grouped alerts' timelines. */
  samples: { correlationId: string; timeline: TimelineEntry[] }[];
  /** Set when a silence or maintenance window held some of its messages. */
  silencedBy?: { id: string; reason: string; until: string };
}

/**
 * An alert's identity as a message: its alertId, and for a resolution the alertId marked so. What
 * outboxes and publish results are keyed by, so that an alert and its resolution never collide.
 * Letters, digits and hyphens only: SNS batch entry IDs allow no more.
 */
export const messageKey = (alert: Pick<Alert, 'alertId' | 'state' | 'incident'>): string =>
  alert.state === 'resolved'
    ? `${alert.alertId}-resolved`
    : alert.incident !== undefined && alert.incident.update > 0
      ? `${alert.alertId}-${alert.incident.update}`
      : alert.alertId;

/** What an assertion saw and said (assertion_failed). */
export interface AssertionOutcome {
  name: string;
  expr: string;
  /** The steps it waited for → the attributes of each one's first successful event. */
  values: Record<string, Record<string, unknown>>;
  /** Set when it could not be evaluated to true or false: a missing attribute, a type mismatch. */
  error?: string;
}

/**
 * An alert shows at most this many timeline rows and trace IDs, half from each end: every alert
 * then fits beside its instance in one item and in one SNS message, however chatty the instance.
 */
export const ALERT_TIMELINE_ROWS = 50;
export const ALERT_TRACE_IDS = 50;

/** The first and last `keep / 2` of `items`, and how many were left out between them. */
export function keepEnds<T>(items: readonly T[], keep: number): { kept: T[]; trimmed: number } {
  if (items.length <= keep) return { kept: [...items], trimmed: 0 };
  const head = Math.ceil(keep / 2);
  const tail = keep - head;
  return {
    kept: [...items.slice(0, head), ...(tail > 0 ? items.slice(-tail) : [])],
    trimmed: items.length - keep,
  };
}

/** Stable across runs and redeliveries, so subscribers can drop repeats. */
export function alertId(
  workflow: string,
  correlationId: string,
  kind: AlertKind,
  step: string | null,
): string {
  // A pure-JavaScript SHA-256 (noble): the engine stays free of Node modules, the IDs stay the same.
  return bytesToHex(
    sha256(utf8ToBytes(`${workflow}\u0000${correlationId}\u0000${kind}\u0000${step ?? ''}`)),
  ).slice(0, 32);
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/** What the engine (or the monitor watching itself) found: the alert's own facts. */
export interface Finding {
  kind: AlertKind;
  step: string | null;
  /** Epoch ms, or null for kinds without a deadline. */
  deadline: number | null;
  /** Observed time T when it was found. */
  detectedAt: number;
  lateByMs: number;
  /** assertion_failed: the assertion; its name stands for the step in the alert's ID. */
  assertion?: AssertionOutcome;
}

/** Whose finding it is, and the context a person needs to act on it. */
export interface AlertSubject {
  workflow: string;
  correlationId: string;
  severity: Severity;
  status: InstanceStatus;
  missing: string[];
  /** Every recorded event by event time; the record keeps the ends (ALERT_TIMELINE_ROWS). */
  timeline: TimelineEntry[];
  /** Rows already dropped from the stored timeline, to count in `timelineTrimmed`. */
  droppedRows?: number;
  count?: { seen: number; needed: number };
}

/** The one place an alert record (contract §4) is built: instances' alerts and the monitor's own. */
export function alertRecord(finding: Finding, subject: AlertSubject): Alert {
  const { kept: timeline, trimmed } = keepEnds(subject.timeline, ALERT_TIMELINE_ROWS);
  const traces = keepEnds(
    [...new Set(subject.timeline.flatMap((e) => (e.traceId === undefined ? [] : [e.traceId])))],
    ALERT_TRACE_IDS,
  );
  const alert: Alert = {
    alertId: alertId(
      subject.workflow,
      subject.correlationId,
      finding.kind,
      finding.step ?? finding.assertion?.name ?? null,
    ),
    kind: finding.kind,
    workflow: subject.workflow,
    correlationId: subject.correlationId,
    step: finding.step,
    severity: subject.severity,
    status: subject.status,
    deadline: finding.deadline === null ? null : iso(finding.deadline),
    detectedAt: iso(finding.detectedAt),
    lateByMs: finding.lateByMs,
    missing: subject.missing,
    timeline,
    traceIds: traces.kept,
  };
  const dropped = trimmed + (subject.droppedRows ?? 0);
  if (dropped > 0) alert.timelineTrimmed = dropped;
  if (traces.trimmed > 0) alert.traceIdsTrimmed = traces.trimmed;
  if (subject.count !== undefined) alert.count = subject.count;
  if (finding.assertion !== undefined) alert.assertion = finding.assertion;
  return alert;
}
