import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The sweeper's heartbeat record, one per shard per run. When the consumer has processed it, every
 * record put on that shard before `time` has been processed too: the shard's watermark.
 *
 * Only the sweeper may move time (contract §5). A heartbeat carries an HMAC-SHA256 of its time under
 * a per-deployment secret kept in the monitor's table, which only the monitor's roles can read;
 * producers can put records on the stream but cannot read the table, so they cannot forge one.
 * Replaying a genuine heartbeat later is harmless: it only claims what was already true then.
 */

/** The secret's length in bytes. */
export const HEARTBEAT_KEY_BYTES = 32;

export const newHeartbeatKey = (): Uint8Array => randomBytes(HEARTBEAT_KEY_BYTES);

const proof = (key: Uint8Array, time: number): Buffer =>
  createHmac('sha256', key).update(`overdue-heartbeat:${time}`).digest();

export const heartbeatRecord = (time: number, key: Uint8Array): string =>
  JSON.stringify({ overdue: 'heartbeat', time, mac: proof(key, time).toString('base64url') });

export type HeartbeatCheck =
  /** Not a heartbeat at all: telemetry, or garbage for the parser to judge. */
  | { readonly kind: 'none' }
  | { readonly kind: 'beat'; readonly time: number }
  /** Claims to be a heartbeat and is not a valid one: quarantined, never applied. */
  | { readonly kind: 'forged'; readonly message: string };

const NONE: HeartbeatCheck = { kind: 'none' };
/** Genuine heartbeats are about 110 bytes; anything much longer is not one. */
const MAX_BYTES = 256;
const MARKER = Buffer.from('"overdue"');

/**
 * Reads a record that may be a heartbeat. Cheap for telemetry (a length check and a byte search).
 * `key` is the deployment's secret (undefined while the sweeper has not created it, in which case
 * no heartbeat can be genuine); `notAfter` is the consumer's clock plus the allowed skew.
 */
export function checkHeartbeat(
  data: Uint8Array,
  key: Uint8Array | undefined,
  notAfter: number,
): HeartbeatCheck {
  if (!mayBeHeartbeat(data)) return NONE;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch {
    return NONE;
  }
  if (typeof json !== 'object' || json === null || (json as { overdue?: unknown }).overdue !== 'heartbeat') {
    return NONE;
  }
  const { time, mac } = json as { time?: unknown; mac?: unknown };
  const forged = (message: string): HeartbeatCheck => ({ kind: 'forged', message });
  if (typeof time !== 'number' || !Number.isSafeInteger(time) || time < 0) {
    return forged('heartbeat time is not a whole number of epoch milliseconds');
  }
  if (typeof mac !== 'string')
    return forged('heartbeat carries no proof (mac); only the sweeper writes heartbeats');
  if (key === undefined) return forged('heartbeat arrived before the deployment has a heartbeat key');
  const expected = proof(key, time);
  const given = Buffer.from(mac, 'base64url');
  if (given.byteLength !== expected.byteLength || !timingSafeEqual(given, expected)) {
    return forged('heartbeat proof (mac) does not match: not written by this deployment’s sweeper');
  }
  if (time > notAfter) {
    return forged(
      `heartbeat time ${new Date(time).toISOString()} is ahead of this consumer's clock plus the allowed skew (${new Date(notAfter).toISOString()})`,
    );
  }
  return { kind: 'beat', time };
}

/** A cheap first look, so that the secret is only read for batches that hold a heartbeat. */
export const mayBeHeartbeat = (data: Uint8Array): boolean =>
  data.byteLength <= MAX_BYTES &&
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).indexOf(MARKER) >= 0;
