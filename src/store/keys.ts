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

/** Partitions of the wake-up index in its first epoch (and by default): a hot workflow spreads over them. */
export const INDEX_SHARDS = 16;
export const INDEX_NAME = 'due';
/** `M / index`: the index's epochs, each with its number of partitions. */
export const INDEX_MAP_SK = 'index';

/**
 * The wake-up index's partitioning changes by epochs, never in place: items are written to the
 * current epoch's partitions, and the sweeper reads every epoch still listed until the old ones have
 * drained. Epoch 0 is the original `D#<n>` layout, so tables written before epochs stay readable.
 */
export interface IndexEpoch {
  readonly epoch: number;
  readonly shards: number;
  /** When it became current, epoch ms. */
  readonly since: number;
}

export const FIRST_EPOCH: IndexEpoch = { epoch: 0, shards: INDEX_SHARDS, since: 0 };

const partition = (epoch: IndexEpoch, n: number) => (epoch.epoch === 0 ? `D#${n}` : `D#${epoch.epoch}.${n}`);

/** The partition an item's wake-up goes to in an epoch, from its key. */
export const indexShardIn = (pk: string, epoch: IndexEpoch): string =>
  partition(epoch, shortHashNumber(pk) % epoch.shards);

export const partitionsOf = (epoch: IndexEpoch): string[] =>
  Array.from({ length: epoch.shards }, (_, n) => partition(epoch, n));

export const instancePk = (workflow: string, correlationId: string): string =>
  `I#${workflow}#${correlationId}`;

/** The partition in the first epoch (the default layout). */
export const indexShard = (pk: string): string => indexShardIn(pk, FIRST_EPOCH);

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

/** `M / latency`: what the sweeper has judged of the latency baselines, and their alert outbox. */
export const LATENCY_STATE_SK = 'latency';

/** A latency window's shares, one item per consumer shard: `L#<workflow>#<windowMs>#<index>` / shard ID. */
export const latencyPk = (workflow: string, windowMs: number, index: number): string =>
  `L#${workflow}#${windowMs}#${index}`;

/** `M / incidents`: open incidents, their outbox and the latest closed ones. */
export const INCIDENTS_SK = 'incidents';

/** A group's alert count per window: `C#<workflow>|<kind>|<step>` / window index. */
export const groupCountPk = (group: string): string => `C#${group}`;

/** `M / silences`: the silences set with `overdue silence`. */
export const SILENCES_SK = 'silences';

/** Outcomes of a workflow per minute (`overdue console`): `O#<workflow>` / ISO minute. */
export const outcomesPk = (workflow: string): string => `O#${workflow}`;

/** Messages sent, by hour (`overdue console`): `R#<ISO hour>` / `<ISO time>#<alertId…>`. */
export const sentPk = (at: number): string => `R#${new Date(at).toISOString().slice(0, 13)}`;
