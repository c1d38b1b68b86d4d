import { shortHashNumber } from '../engine/hash.js';

/**
 * Key layout of the single table (docs/table-layout.md). Workflow names cannot contain `#`
 * (the workflow file refuses them), so `I#<workflow>#<correlationId>` is unambiguous.
 */
export const INSTANCE_SK = 'I';
export const WATERMARK_PK = 'W';
export const MONITOR_PK = 'M';
export const LAG_SK = 'lag';
/** `M / dev`: the workflow file `overdue dev` runs (local tables only). */
export const LOCAL_CONFIG_SK = 'dev';
/** The deployment's heartbeat secret: `K / heartbeat`. */
export const SECRET_PK = 'K';
export const HEARTBEAT_KEY_SK = 'heartbeat';

/** Partitions of the wake-up index: a hot workflow spreads over all of them. Changing it strands items. */
export const INDEX_SHARDS = 16;
export const INDEX_NAME = 'due';

export const instancePk = (workflow: string, correlationId: string): string =>
  `I#${workflow}#${correlationId}`;

/** The index partition an item's wake-up goes to, from its key: stable for the item's life. */
export const indexShard = (pk: string): string => `D#${shortHashNumber(pk) % INDEX_SHARDS}`;
export const indexShards = (): string[] => Array.from({ length: INDEX_SHARDS }, (_, i) => `D#${i}`);

export const QUARANTINE_SHARDS = 16;

/**
 * Quarantine items are bucketed by arrival hour, so listing "since" reads a few partitions, never the
 * table, and spread over 16 keys within the hour by a hash of the record's position, so that a flood
 * of invalid records (hundreds a second) does not throttle one partition and stall the shard.
 */
export const quarantinePk = (arrival: number, shard: number): string =>
  `Q#${new Date(arrival).toISOString().slice(0, 13)}#${shard}`;

/** The write shard of a quarantined record: stable for a record, so a retry overwrites it. */
export const quarantineShard = (shardId: string, sequenceNumber: string): number =>
  shortHashNumber(`${shardId}#${sequenceNumber}`) % QUARANTINE_SHARDS;
