/** How a producer reports a step: done, attempted and failed, or begun. */
export type EventStatus = 'succeeded' | 'failed' | 'started';

/** A telemetry event after its envelope has been read: one shape whatever was on the wire. */
export interface TelemetryEvent {
  readonly eventId: string;
  readonly correlationId: string;
  readonly workflow: string;
  readonly step: string;
  readonly status: EventStatus;
  /** Event time, epoch milliseconds. */
  readonly time: number;
  readonly source?: string;
  readonly traceId?: string;
  readonly attributes?: Readonly<Record<string, unknown>>;
  /** `Name: message` of a failed attempt, at most 500 characters. */
  readonly error?: string;
  readonly durationMs?: number;
  readonly coldStart?: boolean;
}

/** Why a record could not be used. Stable codes: quarantine items and metrics use them. */
export type InvalidReason =
  | 'too_large'
  | 'not_json'
  | 'bad_shape'
  | 'bad_time'
  | 'unknown_workflow'
  | 'unknown_step'
  | 'ambiguous_step'
  /** Claims to be the sweeper's heartbeat without its proof, or ahead of the consumer's clock. */
  | 'forged_heartbeat'
  /** Valid, but its instance could not take it (a fault of the monitor's, kept for a replay). */
  | 'unprocessable';

export type ParseResult =
  | { readonly ok: true; readonly event: TelemetryEvent }
  | { readonly ok: false; readonly reason: InvalidReason; readonly message: string };

/** IDs and names: correlation IDs become Kinesis partition keys, which are at most 256 characters. */
export const MAX_ID_LENGTH = 256;
/** Free text such as `source` and `traceId`. */
export const MAX_TEXT_LENGTH = 1024;

/** 1 MiB: the largest record Kinesis accepts. */
export const MAX_EVENT_BYTES = 1024 * 1024;

/** 2000-01-01T00:00:00Z: no telemetry is older; earlier times are a producer's bug (often seconds for ms). */
export const MIN_EVENT_TIME = Date.UTC(2000, 0, 1);
/** The largest time a JavaScript Date can hold: the bound when there is no arrival time to go by. */
export const MAX_DATE_TIME = 8.64e15;
/** How far ahead of its arrival an event time may be (producers' clocks drift), unless configured. */
export const DEFAULT_MAX_SKEW_MS = 2 * 60_000;

/**
 * The latest event time a record may carry: its arrival time plus the allowed clock skew (live), or
 * the latest event time so far plus `--max-skew` (replay). `because` says which, for the message.
 */
export interface TimeLimit {
  readonly notAfter: number;
  readonly because: string;
}
