import { type KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { batches } from './batches.js';
import { isRecord } from './contract.js';
import { retryRemaining } from './retry.js';

/** PutRecords takes at most 500 records and 5 MiB (data plus partition keys) per call. */
const MAX_RECORDS = 500;
const MAX_BYTES = 5 * 1024 * 1024;

export interface SendOptions {
  /** Attempts per record, the first included. */
  attempts?: number;
  /** First retry delay; doubles each attempt, with jitter. */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface SendResult {
  sent: number;
  /** Records still refused after the last attempt, with Kinesis's reason. Never dropped silently. */
  failed: { line: number; error: string }[];
}

/**
 * The partition key for an event in any accepted shape: its correlation ID, so that an instance's
 * events stay in order on one shard. Lines without one (they will be quarantined) get their text's
 * start, which at least keeps identical lines together.
 */
export function partitionKeyOf(line: string): string {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return line.slice(0, 256) || 'empty';
  }
  if (isRecord(json)) {
    const detail = isRecord(json.detail) ? json.detail : undefined;
    const key = json.correlationId ?? json.correlationid ?? json.subject ?? detail?.correlationId;
    if (typeof key === 'string' && key.length > 0) return key.slice(0, 256);
  }
  return line.slice(0, 256) || 'empty';
}

/**
 * Puts lines (one event each) on a stream in PutRecords calls of at most 500 records and 5 MiB,
 * retrying the records Kinesis refuses (throttling) with exponential backoff.
 */
export async function sendEvents(
  client: KinesisClient,
  streamName: string,
  lines: readonly string[],
  options: SendOptions = {},
): Promise<SendResult> {
  const attempts = options.attempts ?? 6;
  const backoffMs = options.backoffMs ?? 100;
  const result: SendResult = { sent: 0, failed: [] };
  const entries = lines.map((text, i) => ({
    line: i + 1,
    entry: { Data: Buffer.from(text), PartitionKey: partitionKeyOf(text) } as PutRecordsRequestEntry,
    /** Why Kinesis refused it the last time. */
    error: undefined as string | undefined,
  }));
  const size = (e: (typeof entries)[number]) =>
    (e.entry.Data as Uint8Array).byteLength + Buffer.byteLength(e.entry.PartitionKey as string);
  for (const batch of batches(entries, MAX_RECORDS, MAX_BYTES, size)) {
    const refused = await retryRemaining(
      batch,
      async (pending) => {
        try {
          const out = await client.send(
            new PutRecordsCommand({ StreamName: streamName, Records: pending.map((p) => p.entry) }),
          );
          pending.forEach((p, i) => {
            const r = out.Records?.[i];
            p.error = r?.ErrorCode ? `${r.ErrorCode}: ${r.ErrorMessage ?? ''}`.trim() : undefined;
          });
        } catch (error) {
          const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          for (const p of pending) p.error = text;
        }
        const retry = pending.filter((p) => p.error !== undefined);
        result.sent += pending.length - retry.length;
        return retry;
      },
      { attempts, baseMs: backoffMs, ...(options.sleep ? { sleep: options.sleep } : {}) },
    );
    for (const p of refused) result.failed.push({ line: p.line, error: p.error as string });
  }
  return result;
}
