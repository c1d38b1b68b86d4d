/**
 * The sweeper's heartbeat record, one per shard per run. When the consumer has processed it, every
 * record put on that shard before `time` has been processed too: the shard's watermark.
 */
const PREFIX = '{"overdue":"heartbeat","time":';

export const heartbeatRecord = (time: number): string => `${PREFIX}${time}}`;

/** The heartbeat's time, or undefined for any other record. Checked on every record: no JSON.parse. */
export function heartbeatTime(data: Uint8Array): number | undefined {
  if (data.byteLength > 64 || data.byteLength <= PREFIX.length) return undefined;
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');
  if (!text.startsWith(PREFIX) || !text.endsWith('}')) return undefined;
  const time = Number(text.slice(PREFIX.length, -1));
  return Number.isSafeInteger(time) && time >= 0 ? time : undefined;
}
