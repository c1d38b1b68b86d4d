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
  | 'ambiguous_step';

export type ParseResult =
  | { readonly ok: true; readonly event: TelemetryEvent }
  | { readonly ok: false; readonly reason: InvalidReason; readonly message: string };

/** IDs and names: correlation IDs become Kinesis partition keys, which are at most 256 characters. */
export const MAX_ID_LENGTH = 256;
/** Free text such as `source` and `traceId`. */
export const MAX_TEXT_LENGTH = 1024;

/** 1 MiB: the largest record Kinesis accepts. */
export const MAX_EVENT_BYTES = 1024 * 1024;
