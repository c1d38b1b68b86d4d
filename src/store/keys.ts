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

/** Quarantine items are bucketed by hour, so listing "since" reads a few partitions, never the table. */
export const quarantinePk = (arrival: number): string => `Q#${new Date(arrival).toISOString().slice(0, 13)}`;
