import type { Alert, IncidentSummary } from '../engine/alert.js';
import type { WindowData } from '../engine/baselines.js';
import type { Instance, InstanceStatus } from '../engine/instance.js';
import type { Severity } from '../workflow/schema.js';
import type { SilenceStore } from './silences.js';

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

/** The new version and index position of an instance the store wrote. */
export interface Written {
  readonly version: number;
  /** What the index now holds for it (see StoredInstance.indexed). */
  readonly indexed: number | undefined;
}

/**
 * Workflow instances and their outboxes, and the wake-up index over them. The store owns the key
 * format, the index's partitions and the item-size policy; the use cases only name instances.
 */
export interface InstanceStore {
  /** The key an instance of this workflow and correlation ID is stored under. */
  instanceKey(workflow: string, correlationId: string): string;
  /**
   * Reads instances. Eventually consistent by default, at half the cost: every write is conditional
   * on the version read, so a stale read only costs a retry, which reads consistently.
   */
  getInstances(
    keys: readonly string[],
    options?: { consistent?: boolean },
  ): Promise<Map<string, StoredInstance>>;
  /**
   * Writes the instance and its outbox in one put, conditional on the version read (fitted to the
   * item size limit first); throws VersionConflictError when someone wrote in between.
   */
  putInstance(stored: StoredInstance, expiresAt: number | undefined): Promise<Written>;
  /**
   * Removes published alerts from the outbox. Returns the item as now written, or undefined when it
   * moved on since it was read (the alerts then stay pending and go out again: at least once).
   */
  clearPending(
    stored: StoredInstance,
    published: ReadonlySet<string>,
  ): Promise<(Written & { pending: Alert[] }) | undefined>;
  /** The index's partitions, of every epoch still read: the sweeper reads each. */
  indexPartitions(): Promise<readonly string[]>;
  /** Keys of items due at or before `until` in one index partition, a page at a time. */
  dueKeys(partition: string, until: number): AsyncIterable<string[]>;
}

/** Per-shard watermarks: the heartbeat time the consumer has processed on each shard. */
export interface WatermarkStore {
  /** Shard ID → heartbeat time the consumer has processed. */
  getWatermarks(): Promise<Map<string, number>>;
  /** Moves a shard's watermark forward; never back. */
  advanceWatermark(shardId: string, heartbeat: number): Promise<void>;
}

/** The monitor's own state: lag episodes and their alert outbox. */
export interface MonitorStore {
  getMonitor(): Promise<MonitorState>;
  /** Conditional on the version read; throws VersionConflictError when another sweep wrote first. */
  putMonitor(state: MonitorState): Promise<number>;
}

/** The deployment's heartbeat secret (docs/operations.md, "Heartbeats carry proof"). */
export interface HeartbeatKeyStore {
  /** The secret, or undefined while no sweeper has created it. */
  getHeartbeatKey(): Promise<Uint8Array | undefined>;
  /** Stores `key` unless a secret exists already; returns the one in force (the first one wins). */
  createHeartbeatKey(key: Uint8Array): Promise<Uint8Array>;
}

/**
 * Latency baselines in the table: each consumer shard keeps its own share of a window (one writer
 * per item: no lost updates), and the sweeper merges the shares when it judges the window.
 */
export interface LatencyStore {
  /** A shard's share of a workflow's window (of `windowMs`, number `index`): step → sketches. */
  getLatencyShare(
    series: LatencySeries,
    shardId: string,
  ): Promise<{ steps: Record<string, WindowData>; version: number } | undefined>;
  /** Writes it, conditional on the version read (0: new); throws VersionConflictError on a race. */
  putLatencyShare(
    series: LatencySeries,
    shardId: string,
    steps: Record<string, WindowData>,
    version: number,
    expiresAt: number,
  ): Promise<number>;
  /** Every shard's share of a window. */
  latencyShares(series: LatencySeries): Promise<Record<string, WindowData>[]>;
  /** What the sweeper has judged (series → last window index) and latency alerts not yet published. */
  getLatencyState(): Promise<LatencyState>;
  /** Conditional on the version read; throws VersionConflictError when another sweep wrote first. */
  putLatencyState(state: LatencyState): Promise<number>;
}

/** A workflow's windows of one length, and which one. */
export interface LatencySeries {
  readonly workflow: string;
  readonly windowMs: number;
  readonly index: number;
}

export interface LatencyState {
  /** `<workflow>/<windowMs>` → the last window index judged. */
  judged: Record<string, number>;
  pending: Alert[];
  version: number;
}

/** An incident while it is open: what its messages say, and what the monitor needs to update it. */
export interface OpenIncident {
  summary: IncidentSummary;
  workflow: string;
  step: string | null;
  severity: Severity;
  /** When its last message went out (wall clock), and the count it gave. */
  updatedAt: number;
  publishedCount: number;
  /** When an alert was last attached (wall clock): it resolves after a quiet window. */
  lastAttachAt: number;
  windowMs: number;
  updateEveryMs: number;
}

/** `M / incidents`: open incidents by group (workflow, kind, step), their outbox, and the latest closed. */
export interface IncidentState {
  open: Record<string, OpenIncident>;
  pending: Alert[];
  recent: IncidentSummary[];
  version: number;
}

/** Alert storms grouped into incidents (docs/operations.md, On call). */
export interface IncidentStore {
  /** Adds `n` alerts to a group's count for a window; returns the count after. Atomic. */
  countAlerts(group: string, window: number, n: number, expiresAt: number): Promise<number>;
  getIncidents(): Promise<IncidentState>;
  /** Conditional on the version read; throws VersionConflictError when another writer came first. */
  putIncidents(state: IncidentState): Promise<number>;
}

/** One workflow's outcomes in one minute of wall-clock time (`overdue console`'s board). */
export interface OutcomeCount {
  workflow: string;
  /** ISO minute, `2026-11-28T01:05`. */
  minute: string;
  counts: Partial<Record<Exclude<InstanceStatus, 'running'> | 'late', number>>;
}

/**
 * What happened lately, kept for `overdue console` so that it never scans the table: outcomes per
 * workflow and minute (atomic counters, one write per workflow a batch), and every message sent.
 */
export interface ActivityStore {
  addOutcomes(counts: readonly OutcomeCount[], expiresAt: number): Promise<void>;
  /** The messages that went out (alerts, resolutions, incident messages), at `at`. */
  recordSent(alerts: readonly Alert[], at: number, expiresAt: number): Promise<void>;
}

/** Records set aside as invalid, kept verbatim with their reason. */
export interface QuarantineStore {
  quarantine(records: readonly QuarantinedRecord[], expiresAt: number): Promise<void>;
}

/** What the consumer needs of the table. */
export type { SilenceStore } from './silences.js';

export type ConsumerStore = SilenceStore &
  ActivityStore &
  InstanceStore &
  WatermarkStore &
  HeartbeatKeyStore &
  QuarantineStore &
  IncidentStore &
  Pick<LatencyStore, 'getLatencyShare' | 'putLatencyShare'>;
/**
 * The index's partitioning, changed by epochs (the store keeps the map): a new partition count takes
 * effect for new writes, and old epochs are read until they have drained.
 */
export interface IndexMaintenance {
  /** Starts a new epoch when `shards` differs from the current one. */
  resizeIndex(shards: number): Promise<unknown>;
  /** Drops old epochs that hold no item any more. */
  retireDrainedIndexes(): Promise<unknown>;
}

/** What the sweeper needs of the table. */
export type SweeperStore = SilenceStore &
  ActivityStore &
  InstanceStore &
  WatermarkStore &
  HeartbeatKeyStore &
  MonitorStore &
  IndexMaintenance &
  IncidentStore &
  Pick<LatencyStore, 'latencyShares' | 'getLatencyState' | 'putLatencyState'>;
/** Everything: DynamoDbStore maps each call to DynamoDB requests. */
export type StateStore = ConsumerStore & SweeperStore;

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

/**
 * Dimensions of a behaviour metric: names from the workflow file (workflow, step), cold or warm
 * start, alert kind, instance status, a bounded set of sources. Never IDs: cardinality is known
 * before deploy (docs/behaviour.md, the metric catalogue).
 */
export type MetricDimensions = Readonly<Record<string, string>>;

/** Counters and timings, in whatever the host records them with (CloudWatch EMF on Lambda). */
export interface MetricsSink {
  count(name: string, value?: number, dimensions?: MetricDimensions): void;
  timing(name: string, ms: number, dimensions?: MetricDimensions): void;
  /** A level reported every run, zero included: an alarm can tell "none" from "no report". */
  gauge(name: string, value: number): void;
  /** Writes what was recorded with dimensions (the host calls it after each invocation). */
  flush?(): void;
}

/** Structured logging with the correlation ID as a field. */
export interface LogSink {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}
