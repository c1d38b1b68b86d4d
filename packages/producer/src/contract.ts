/**
 * The telemetry event contract: what the monitor's consumer accepts, and so what a producer may
 * send. The one definition of these rules: the monitor's parser and this package's emitter both
 * import it, so the producer refuses exactly what the consumer would quarantine (except the checks
 * that need the workflow file). No dependencies: it is part of every instrumented function.
 */

/** How a producer reports a step: done, attempted and failed, or begun. */
export type EventStatus = 'succeeded' | 'failed' | 'started';
export const EVENT_STATUSES: readonly EventStatus[] = ['succeeded', 'failed', 'started'];

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

/** The native shape (contract §1), as it is on the wire once `nativeEventProblem` found nothing wrong. */
export interface NativeEvent {
  eventId: string;
  /** A number is read as its decimal string. */
  correlationId: string | number;
  workflow?: string;
  step: string;
  status?: EventStatus;
  /** ISO-8601 with an offset, or epoch milliseconds; checked by `parseTime`. */
  time: unknown;
  source?: string;
  traceId?: string;
  attributes?: Record<string, unknown>;
  error?: string | { name?: string; message?: string };
  durationMs?: number;
  coldStart?: boolean;
}

/** A plain JSON object: not null, not an array. */
export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const SHAPE = 'not a valid telemetry event';

function idProblem(
  o: Record<string, unknown>,
  field: string,
  required: boolean,
  numeric = false,
): string | undefined {
  const v = o[field];
  if (v === undefined) return required ? `${SHAPE}: ${field} is missing` : undefined;
  if (numeric && typeof v === 'number') {
    return Number.isSafeInteger(v)
      ? undefined
      : `${SHAPE}: ${field}: a numeric ID must be a whole number of at most 15 digits`;
  }
  if (typeof v !== 'string') return `${SHAPE}: ${field}: expected string`;
  if (v.length < 1 || v.length > MAX_ID_LENGTH)
    return `${SHAPE}: ${field}: must be 1 to ${MAX_ID_LENGTH} characters`;
  return undefined;
}

function textProblem(o: Record<string, unknown>, field: string): string | undefined {
  const v = o[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') return `${SHAPE}: ${field}: expected string`;
  return v.length > MAX_TEXT_LENGTH
    ? `${SHAPE}: ${field}: must be at most ${MAX_TEXT_LENGTH} characters`
    : undefined;
}

/**
 * Why an object is not a valid event of the native shape (contract §1), or undefined when it is. The
 * time is checked apart (`parseTime`), so that a bad time gets its own reason. A numeric
 * correlation ID is valid (it is read as its decimal string).
 */
export function nativeEventProblem(o: Record<string, unknown>): string | undefined {
  const problem =
    idProblem(o, 'eventId', true) ??
    idProblem(o, 'correlationId', true, true) ??
    idProblem(o, 'workflow', false) ??
    idProblem(o, 'step', true) ??
    textProblem(o, 'source') ??
    textProblem(o, 'traceId');
  if (problem !== undefined) return problem;
  const { status, attributes, error, durationMs, coldStart } = o;
  if (status !== undefined && !EVENT_STATUSES.includes(status as EventStatus)) {
    return `${SHAPE}: status: expected one of ${EVENT_STATUSES.join(', ')}`;
  }
  if (attributes !== undefined && !isRecord(attributes)) return `${SHAPE}: attributes: expected an object`;
  if (
    error !== undefined &&
    typeof error !== 'string' &&
    !(
      isRecord(error) &&
      (error.name === undefined || typeof error.name === 'string') &&
      (error.message === undefined || typeof error.message === 'string')
    )
  ) {
    return `${SHAPE}: error: expected a string or { name, message }`;
  }
  if (
    durationMs !== undefined &&
    !(typeof durationMs === 'number' && Number.isFinite(durationMs) && durationMs >= 0)
  ) {
    return `${SHAPE}: durationMs: expected a finite number ≥ 0`;
  }
  if (coldStart !== undefined && typeof coldStart !== 'boolean')
    return `${SHAPE}: coldStart: expected boolean`;
  return undefined;
}

// An offset is required: a local time means a different instant on every machine.
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Epoch milliseconds, or the reason the time is unusable. Times before 2000 and after `limit` (or
 * after what a date can hold) are refused, so that no stored time can break formatting, overflow a
 * DynamoDB number or move anyone's deadlines (contract §1, time bounds).
 */
export function parseTime(value: unknown, limit?: TimeLimit): number | string {
  if (value === undefined || value === null) return 'time is missing';
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return `time ${value} is not epoch milliseconds`;
    ms = Math.floor(value);
  } else if (typeof value !== 'string') {
    return 'time must be an ISO-8601 string with an offset, or epoch milliseconds';
  } else {
    ms = parseUtcTimestamp(value);
    if (Number.isNaN(ms)) {
      if (!ISO_WITH_OFFSET.test(value)) {
        return `time ${JSON.stringify(value)} is not ISO-8601 with an offset (for example 2026-11-26T10:00:00Z)`;
      }
      ms = Date.parse(value);
      if (Number.isNaN(ms)) return `time ${JSON.stringify(value)} is not a valid date`;
    }
  }
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  if (ms < MIN_EVENT_TIME) {
    return `time ${shown} is before 2000-01-01T00:00:00Z, the earliest event time accepted${
      typeof value === 'number' && ms * 1000 >= MIN_EVENT_TIME
        ? ' (epoch seconds? times are epoch milliseconds)'
        : ''
    }`;
  }
  if (limit !== undefined && ms > limit.notAfter) {
    return `time ${shown} is later than ${new Date(limit.notAfter).toISOString()}, ${limit.because}`;
  }
  if (ms > MAX_DATE_TIME) return `time ${shown} is beyond the largest date there is`;
  return ms;
}

const digits = (s: string, from: number, count: number): number => {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
};

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * `2026-11-02T09:00:00Z` or `…:00.123Z` to epoch ms, fast: every record has a time, and most are
 * UTC. NaN for anything else (Date.parse then). A property test holds it to Date.parse.
 */
export function parseUtcTimestamp(s: string): number {
  const len = s.length;
  if ((len !== 20 && len !== 24) || s.charCodeAt(len - 1) !== 90 /* Z */) return Number.NaN;
  if (s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':') return Number.NaN;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  let ms = 0;
  if (len === 24) {
    if (s[19] !== '.') return Number.NaN;
    ms = digits(s, 20, 3);
  }
  // Date.UTC reads years below 100 as 19xx: such rare stamps take the full path.
  if (
    year < 1000 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59
  ) {
    return Number.NaN;
  }
  if (second < 0 || second > 59 || ms < 0 || day > (DAYS[month - 1] as number)) return Number.NaN;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)))
    return Number.NaN;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}
