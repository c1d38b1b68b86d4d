import { isRecord } from '../shared/is-record.js';
import { MAX_ID_LENGTH, MAX_TEXT_LENGTH } from './telemetry.js';

/**
 * Fast paths for the two things every record needs: the native shape and a UTC timestamp. They only
 * ever accept what the zod schema and Date.parse accept (a property test holds them to it); anything
 * else falls through to the full checks, which also write the error messages.
 */

const str = (v: unknown, max: number): boolean => typeof v === 'string' && v.length >= 1 && v.length <= max;
const optStr = (v: unknown, max: number): boolean =>
  v === undefined || (typeof v === 'string' && v.length <= max);

/** True when `o` certainly matches the native event schema; false means "ask zod". */
export function isPlainNativeEvent(o: Record<string, unknown>): boolean {
  const status = o.status;
  const durationMs = o.durationMs;
  return (
    str(o.eventId, MAX_ID_LENGTH) &&
    str(o.correlationId, MAX_ID_LENGTH) &&
    (o.workflow === undefined || str(o.workflow, MAX_ID_LENGTH)) &&
    str(o.step, MAX_ID_LENGTH) &&
    (status === undefined || status === 'succeeded' || status === 'failed' || status === 'started') &&
    optStr(o.source, MAX_TEXT_LENGTH) &&
    optStr(o.traceId, MAX_TEXT_LENGTH) &&
    // zod drops a `__proto__` key from records; such rare input takes the slow path to match it.
    (o.attributes === undefined || (isRecord(o.attributes) && !Object.hasOwn(o.attributes, '__proto__'))) &&
    o.error === undefined &&
    (durationMs === undefined ||
      (typeof durationMs === 'number' && Number.isFinite(durationMs) && durationMs >= 0)) &&
    (o.coldStart === undefined || typeof o.coldStart === 'boolean')
  );
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

/** `2026-11-02T09:00:00Z` or `…:00.123Z` to epoch ms; NaN for anything else (use Date.parse then). */
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
