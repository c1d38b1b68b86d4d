import type { Alert } from '../engine/alert.js';
import type { Instance } from '../engine/instance.js';

/** An instance as stored: its state, the version it was read at (0: not stored yet) and its outbox. */
export interface StoredInstance {
  readonly key: string;
  instance: Instance;
  version: number;
  /** Alerts raised and committed with this state but not yet published. */
  pending: Alert[];
  /**
   * The wake-up the index holds for it, which may be earlier than `instance.wk`: the consumer only
   * ever moves it earlier (a later one costs two index writes per event), and the sweeper corrects
   * it when it comes due. Undefined: not in the index, or to be set exactly to `instance.wk`.
   */
  indexed: number | undefined;
}

export interface QuarantinedRecord {
  /** The record's bytes, verbatim. */
  readonly payload: Uint8Array;
  readonly reason: string;
  readonly message: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** When Kinesis received it, epoch ms. */
  readonly arrival: number;
}

/** The monitor's view of itself: whether it is lagging, and the lag alert not yet published. */
export interface MonitorState {
  lagging: boolean;
  /** When the current lagging episode started. */
  since: number | undefined;
  /** First time the sweeper ran: the origin of the lag while a shard has no watermark yet. */
  firstRun: number | undefined;
  version: number;
  pending: Alert[];
}

/** What the consumer and sweeper need of the table. DynamoDbStore maps each call to requests. */
export interface StateStore {
  /**
   * Reads instances. Eventually consistent by default, at half the cost: every write is conditional
   * on the version read, so a stale read only costs a retry, which reads consistently.
   */
  getInstances(
    keys: readonly string[],
    options?: { consistent?: boolean },
  ): Promise<Map<string, StoredInstance>>;
  /** Conditional on the version read; throws VersionConflictError when someone wrote in between. */
  putInstance(stored: StoredInstance, doc: string, expiresAt: number | undefined): Promise<void>;
  /** Removes published alerts from the outbox; false when the item moved on (they stay pending). */
  clearPending(stored: StoredInstance, published: ReadonlySet<string>): Promise<boolean>;
  quarantine(records: readonly QuarantinedRecord[], expiresAt: number): Promise<void>;
  /** Shard ID → heartbeat time the consumer has processed. */
  getWatermarks(): Promise<Map<string, number>>;
  /** Moves a shard's watermark forward; never back. */
  advanceWatermark(shardId: string, heartbeat: number): Promise<void>;
  /** Keys of items due at or before `until` in one index partition, a page at a time. */
  dueKeys(partition: string, until: number): AsyncIterable<string[]>;
  getMonitor(): Promise<MonitorState>;
  /** Conditional on the version read; throws VersionConflictError when another sweep wrote first. */
  putMonitor(state: MonitorState): Promise<void>;
  /** The deployment's heartbeat secret, or undefined while no sweeper has created it. */
  getHeartbeatKey(): Promise<Uint8Array | undefined>;
  /** Stores `key` unless a secret exists already; returns the one in force (the first one wins). */
  createHeartbeatKey(key: Uint8Array): Promise<Uint8Array>;
}

export interface PublishResult {
  /** alertIds published. */
  readonly published: ReadonlySet<string>;
  readonly failed: readonly { alertId: string; error: string }[];
}

export interface AlertPublisher {
  publish(alerts: readonly Alert[]): Promise<PublishResult>;
}

/** A shard of the stream and where it came from (splits and merges). */
export interface ShardInfo {
  readonly id: string;
  /** The shard(s) it was split or merged from: it continues their records. */
  readonly parents: readonly string[];
  /** False once it was split or merged away: it takes no new records. */
  readonly open: boolean;
}

/** The stream's shards, and heartbeat records put on them. */
export interface HeartbeatWriter {
  /** Every shard still listed, open and closed. */
  shards(): Promise<ShardInfo[]>;
  /** Puts `record` on each of these shards; throws when some could not be written after retries. */
  beat(shards: readonly ShardInfo[], record: Uint8Array): Promise<void>;
}

/** Counters and timings, in whatever the host records them with (CloudWatch EMF on Lambda). */
export interface MetricsSink {
  count(name: string, value?: number): void;
  timing(name: string, ms: number): void;
  /** A level reported every run, zero included: an alarm can tell "none" from "no report". */
  gauge(name: string, value: number): void;
}

/** Structured logging with the correlation ID as a field. */
export interface LogSink {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}
