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
}

/**
 * Reads a stream the way Lambda's event source mapping does: per shard, in batches, in order. A
 * batch item failure resumes from the reported sequence number, a thrown error retries the whole
 * batch, and no record is ever skipped. Positions live in memory; a new poller starts at the
 * oldest record (duplicates are harmless: the consumer drops them).
 */
export class KinesisPoller {
  /** Shard → last sequence number fully processed. */
  readonly positions = new Map<string, string>();

  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
    private readonly handler: KinesisHandler,
    private readonly options: PollerOptions = { batchSize: 100 },
  ) {}

  /** One batch from every shard; the number of records handed to the handler. */
  async pollOnce(): Promise<number> {
    const shards = await this.client.send(new ListShardsCommand({ StreamName: this.streamName }));
    let handled = 0;
    for (const shard of shards.Shards ?? []) handled += await this.pollShard(shard.ShardId as string);
    return handled;
  }

  /** Polls until a round finds no records. */
  async drain(maxRounds = 1000): Promise<number> {
    let total = 0;
    for (let round = 0; round < maxRounds; round++) {
      const n = await this.pollOnce();
      if (n === 0) return total;
      total += n;
    }
    throw new Error(`stream ${this.streamName} did not drain in ${maxRounds} rounds`);
  }

  private async pollShard(shardId: string): Promise<number> {
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
    if (records.length === 0) return 0;
    const event: KinesisStreamEvent = { Records: records.map((r) => this.lambdaRecord(shardId, r)) };
    let response: KinesisStreamBatchResponse | undefined;
    try {
      response = await this.handler(event);
    } catch {
      // The whole batch again next time, as Lambda retries it; 0 so that a caller pauses first
      // instead of spinning on a handler that keeps failing.
      return 0;
    }
    const failed = response?.batchItemFailures?.[0]?.itemIdentifier;
    if (failed === undefined) {
      this.positions.set(shardId, records.at(-1)?.SequenceNumber as string);
    } else {
      // Resume at the failed record: everything before it is done.
      const index = records.findIndex((r) => r.SequenceNumber === failed);
      const previous = index > 0 ? records[index - 1]?.SequenceNumber : undefined;
      if (previous !== undefined) this.positions.set(shardId, previous);
    }
    return records.length;
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
