import {
  type _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

export type KinesisHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | undefined>;

export interface PollerOptions {
  batchSize: number;
  region?: string;
  /** First pause after a failed batch; it doubles per failure in a row, up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  clock?: () => number;
}

/**
 * Reads a stream the way Lambda's event source mapping does: per shard, in batches, in order. A
 * batch item failure resumes from the reported sequence number, a thrown error retries the whole
 * batch, and no record is ever skipped. A shard whose batch failed waits before its retry, longer
 * after each failure in a row (100 ms doubling up to 10 s), rather than retrying at once: one
 * poison batch must not spin. A child shard (after a split or merge) is read only once its parents
 * are read to their end, as Lambda does. Positions live in memory; a new poller starts at the
 * oldest record (duplicates are harmless: the consumer drops them).
 */
export class KinesisPoller {
  /** Shard → last sequence number fully processed. */
  readonly positions = new Map<string, string>();
  /** Shard → failures in a row and when it may be read again. */
  readonly backoff = new Map<string, { failures: number; until: number }>();
  /** Closed shards read to their end: their children may be read. */
  private readonly finished = new Set<string>();

  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
    private readonly handler: KinesisHandler,
    private readonly options: PollerOptions = { batchSize: 100 },
  ) {}

  /** One batch from every shard; the number of records handed to the handler. */
  async pollOnce(): Promise<number> {
    const shards = await this.client.send(new ListShardsCommand({ StreamName: this.streamName }));
    const listed = new Set((shards.Shards ?? []).map((s) => s.ShardId));
    const now = (this.options.clock ?? Date.now)();
    let handled = 0;
    for (const shard of shards.Shards ?? []) {
      const id = shard.ShardId as string;
      if (this.finished.has(id) || (this.backoff.get(id)?.until ?? 0) > now) continue;
      const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter((p) => p !== undefined);
      if (parents.some((p) => listed.has(p) && !this.finished.has(p))) continue;
      const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
      handled += await this.pollShard(id, closed);
    }
    return handled;
  }

  /** Polls until a round finds no records and no shard waits to retry a failed batch. */
  async drain(maxRounds = 1000): Promise<number> {
    let total = 0;
    for (let round = 0; round < maxRounds; round++) {
      const n = await this.pollOnce();
      total += n;
      if (n > 0) continue;
      const now = (this.options.clock ?? Date.now)();
      const waiting = [...this.backoff.values()].map((b) => b.until).filter((t) => t > now);
      if (waiting.length === 0) return total;
      await new Promise((resolve) => setTimeout(resolve, Math.min(...waiting) - now));
    }
    throw new Error(`stream ${this.streamName} did not drain in ${maxRounds} rounds`);
  }

  private async pollShard(shardId: string, closed: boolean): Promise<number> {
    const after = this.positions.get(shardId);
    const iterator = await this.client.send(
      new GetShardIteratorCommand({
        StreamName: this.streamName,
        ShardId: shardId,
        ...(after === undefined
          ? { ShardIteratorType: 'TRIM_HORIZON' }
          : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after }),
      }),
    );
    const out = await this.client.send(
      new GetRecordsCommand({ ShardIterator: iterator.ShardIterator, Limit: this.options.batchSize }),
    );
    const records = out.Records ?? [];
    if (records.length === 0) {
      if (closed && !out.NextShardIterator) this.finished.add(shardId);
      return 0;
    }
    const event: KinesisStreamEvent = { Records: records.map((r) => this.lambdaRecord(shardId, r)) };
    let response: KinesisStreamBatchResponse | undefined;
    try {
      response = await this.handler(event);
    } catch {
      // The whole batch again, after a pause, as Lambda retries it; 0 so that a caller pauses first
      // instead of spinning on a handler that keeps failing.
      this.failed(shardId);
      return 0;
    }
    const failed = response?.batchItemFailures?.[0]?.itemIdentifier;
    if (failed === undefined) {
      this.backoff.delete(shardId);
      this.positions.set(shardId, records.at(-1)?.SequenceNumber as string);
    } else {
      this.failed(shardId);
      // Resume at the failed record: everything before it is done.
      const index = records.findIndex((r) => r.SequenceNumber === failed);
      const previous = index > 0 ? records[index - 1]?.SequenceNumber : undefined;
      if (previous !== undefined) this.positions.set(shardId, previous);
    }
    return records.length;
  }

  private failed(shardId: string): void {
    const failures = (this.backoff.get(shardId)?.failures ?? 0) + 1;
    const base = this.options.backoffMs ?? 100;
    const pause = Math.min(this.options.maxBackoffMs ?? 10_000, base * 2 ** (failures - 1));
    this.backoff.set(shardId, { failures, until: (this.options.clock ?? Date.now)() + pause });
  }

  private lambdaRecord(shardId: string, r: _Record): KinesisStreamRecord {
    const region = this.options.region ?? 'us-east-1';
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.PartitionKey ?? '',
        sequenceNumber: r.SequenceNumber as string,
        data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
        approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp?.getTime() ?? 0) / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${r.SequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/overdue-local',
      awsRegion: region,
      eventSourceARN: `arn:aws:kinesis:${region}:000000000000:stream/${this.streamName}`,
    };
  }
}
