import type { EventStatus } from '../../packages/producer/src/contract.js';

// The event contract's rules live in overdue-producer, shared by both sides (one definition).
export {
  DEFAULT_MAX_SKEW_MS,
  type EventStatus,
  MAX_DATE_TIME,
  MAX_EVENT_BYTES,
  MAX_ID_LENGTH,
  MAX_TEXT_LENGTH,
  MIN_EVENT_TIME,
  type TimeLimit,
} from '../../packages/producer/src/contract.js';

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
