import {
  type KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { heartbeatRecord } from '../runtime/heartbeat.js';
import type { HeartbeatWriter } from '../runtime/ports.js';

/** Puts a heartbeat on every open shard, each aimed with an explicit hash key inside the shard's range. */
export class KinesisHeartbeats implements HeartbeatWriter {
  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
  ) {}

  async beat(now: number): Promise<string[]> {
    const shards = await this.openShards();
    const data = Buffer.from(heartbeatRecord(now));
    let pending = shards;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === 4) {
        throw new Error(`could not put heartbeats on ${pending.map((s) => s.ShardId).join(', ')}`);
      }
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      const out = await this.client.send(
        new PutRecordsCommand({
          StreamName: this.streamName,
          Records: pending.map((s) => ({
            Data: data,
            PartitionKey: 'overdue-heartbeat',
            ExplicitHashKey: s.HashKeyRange?.StartingHashKey,
          })),
        }),
      );
      pending = pending.filter((_, i) => out.Records?.[i]?.ErrorCode !== undefined);
    }
    return shards.map((s) => s.ShardId as string);
  }

  /** Shards still taking records: a closed parent's watermark no longer matters once its children run. */
  private async openShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new ListShardsCommand(token ? { NextToken: token } : { StreamName: this.streamName }),
      );
      shards.push(...(out.Shards ?? []));
      token = out.NextToken;
    } while (token);
    return shards.filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined);
  }
}
