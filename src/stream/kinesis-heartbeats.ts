import {
  type KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { retryRemaining } from '../../packages/producer/src/retry.js';
import type { HeartbeatWriter, ShardInfo } from '../runtime/ports.js';

/** PutRecords takes at most 500 records a call. */
const PUT_RECORDS_MAX = 500;
const ATTEMPTS = 4;

/** Lists the stream's shards and puts a record on each, aimed with an explicit hash key in its range. */
export class KinesisHeartbeats implements HeartbeatWriter {
  /** Shard ID → a hash key inside it, from the last listing. */
  private readonly hashKeys = new Map<string, string>();

  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async shards(): Promise<ShardInfo[]> {
    const shards: Shard[] = [];
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new ListShardsCommand(token ? { NextToken: token } : { StreamName: this.streamName }),
      );
      shards.push(...(out.Shards ?? []));
      token = out.NextToken;
    } while (token);
    return shards.map((s) => {
      const id = s.ShardId as string;
      const start = s.HashKeyRange?.StartingHashKey;
      if (start !== undefined) this.hashKeys.set(id, start);
      return {
        id,
        parents: [s.ParentShardId, s.AdjacentParentShardId].filter((p): p is string => p !== undefined),
        open: s.SequenceNumberRange?.EndingSequenceNumber === undefined,
      };
    });
  }

  async beat(shards: readonly ShardInfo[], record: Uint8Array): Promise<void> {
    for (let i = 0; i < shards.length; i += PUT_RECORDS_MAX) {
      await this.put(shards.slice(i, i + PUT_RECORDS_MAX), record);
    }
  }

  private async put(shards: readonly ShardInfo[], record: Uint8Array): Promise<void> {
    const refused = await retryRemaining(
      shards,
      async (pending) => {
        const out = await this.client.send(
          new PutRecordsCommand({
            StreamName: this.streamName,
            Records: pending.map((s) => ({
              Data: record,
              PartitionKey: 'overdue-heartbeat',
              ExplicitHashKey: this.hashKeys.get(s.id),
            })),
          }),
        );
        return pending.filter((_, i) => out.Records?.[i]?.ErrorCode !== undefined);
      },
      { attempts: ATTEMPTS, baseMs: 200, sleep: this.sleep },
    );
    if (refused.length > 0)
      throw new Error(`could not put heartbeats on ${refused.map((s) => s.id).join(', ')}`);
  }
}
