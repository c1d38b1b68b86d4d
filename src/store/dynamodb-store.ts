import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { retryRemaining } from '../../packages/producer/src/retry.js';
import { type Alert, messageKey } from '../engine/alert.js';
import type { WindowData } from '../engine/baselines.js';
import type { Instance } from '../engine/instance.js';
import type {
  IncidentState,
  LatencySeries,
  LatencyState,
  MonitorState,
  OutcomeCount,
  QuarantinedRecord,
  StateStore,
  StoredInstance,
  Written,
} from '../runtime/ports.js';
import type { Silence, SilenceState } from '../runtime/silences.js';
import { StoreError, VersionConflictError } from './errors.js';
import { fitOutbox, fitToItemLimit } from './item-limit.js';
import {
  FIRST_EPOCH,
  groupCountPk,
  HEARTBEAT_KEY_SK,
  INCIDENTS_SK,
  INDEX_MAP_SK,
  INDEX_NAME,
  INSTANCE_SK,
  type IndexEpoch,
  indexShardIn,
  instancePk,
  LAG_SK,
  LATENCY_STATE_SK,
  LOCAL_CONFIG_SK,
  latencyPk,
  MONITOR_PK,
  outcomesPk,
  partitionsOf,
  QUARANTINE_SHARDS,
  quarantinePk,
  quarantineShard,
  SECRET_PK,
  SILENCES_SK,
  sentPk,
  WATERMARK_PK,
} from './keys.js';

type Item = Record<string, AttributeValue>;

/** What the console lists of a message sent: enough to filter and to link to its timeline. */
export interface SentSummary {
  alertId: string;
  kind: string;
  severity: string;
  workflow: string;
  correlationId: string;
  step: string | null;
  detectedAt: string;
  lateByMs: number;
  missing: string[];
  state?: 'resolved';
  incident?: { id: string; of: string; count: number; update: number };
  assertion?: { name: string; error?: string };
}

export interface SentMessage extends SentSummary {
  sentAt: string;
}

function sentSummary(a: Alert): SentSummary {
  const s: SentSummary = {
    alertId: a.alertId,
    kind: a.kind,
    severity: a.severity,
    workflow: a.workflow,
    correlationId: a.correlationId,
    step: a.step,
    detectedAt: a.detectedAt,
    lateByMs: a.lateByMs,
    missing: a.missing.slice(0, 20),
  };
  if (a.state) s.state = a.state;
  if (a.incident)
    s.incident = { id: a.incident.id, of: a.incident.of, count: a.incident.count, update: a.incident.update };
  if (a.assertion) {
    s.assertion = { name: a.assertion.name };
    if (a.assertion.error) s.assertion.error = a.assertion.error.slice(0, 500);
  }
  return s;
}

/** A quarantined record as `overdue quarantine list` shows it. */
export interface QuarantineEntry {
  arrival: number;
  reason: string;
  message: string;
  shardId: string;
  sequenceNumber: string;
  bytes: number;
  /** Verbatim, when the record was UTF-8. */
  payload?: string;
  payloadBase64?: string;
  /** Only the first 300,000 bytes were kept. */
  truncated: boolean;
}

/** The largest payload kept verbatim in a quarantine item; the rest of a bigger record is cut. */
const MAX_QUARANTINE_PAYLOAD = 300_000;
const BATCH_GET = 100;
const BATCH_WRITE = 25;
/** Unprocessed keys and items (throttling) are retried with backoff: 9 attempts, waits up to 1 s. */
const UNPROCESSED = { attempts: 9, baseMs: 50, maxMs: 1000, jitter: 1 };
/** How long a writer may keep using the index epochs it read: a new epoch reaches writers within it. */
export const INDEX_MAP_TTL = 60_000;

/**
 * The table, one request per call: the consumer and sweeper own the logic, this class only maps
 * their calls to DynamoDB requests (docs/table-layout.md has the layout).
 */
export class DynamoDbStore implements StateStore {
  /** The index's epochs as last read, and when: writers pick up a new epoch within INDEX_MAP_TTL. */
  private index: { epochs: IndexEpoch[]; version: number; readAt: number } | undefined;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async getInstances(
    keys: readonly string[],
    { consistent = false }: { consistent?: boolean } = {},
  ): Promise<Map<string, StoredInstance>> {
    const found = new Map<string, StoredInstance>();
    for (let i = 0; i < keys.length; i += BATCH_GET) {
      const batch = keys
        .slice(i, i + BATCH_GET)
        .map((pk): Item => ({ pk: { S: pk }, sk: { S: INSTANCE_SK } }));
      const left = await retryRemaining(
        batch,
        async (pending) => {
          const out = await this.call('BatchGetItem', () =>
            this.client.send(
              new BatchGetItemCommand({
                RequestItems: { [this.tableName]: { Keys: [...pending], ConsistentRead: consistent } },
              }),
            ),
          );
          for (const item of out.Responses?.[this.tableName] ?? []) {
            const stored = toStored(item);
            found.set(stored.key, stored);
          }
          return out.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
        },
        UNPROCESSED,
      );
      if (left.length > 0) throw new StoreError('BatchGetItem kept leaving keys unprocessed');
    }
    return found;
  }

  instanceKey(workflow: string, correlationId: string): string {
    return instancePk(workflow, correlationId);
  }

  async indexPartitions(): Promise<readonly string[]> {
    return (await this.indexEpochs()).flatMap(partitionsOf);
  }

  /** The index's epochs, oldest first; the last is current. Cached for INDEX_MAP_TTL. */
  async indexEpochs(options: { fresh?: boolean } = {}): Promise<IndexEpoch[]> {
    const cached = this.index;
    if (cached && !options.fresh && this.now() - cached.readAt < INDEX_MAP_TTL) return cached.epochs;
    const out = await this.call('GetItem', () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: MONITOR_PK }, sk: { S: INDEX_MAP_SK } },
          ConsistentRead: true,
        }),
      ),
    );
    const epochs = out.Item?.epochs?.S ? (JSON.parse(out.Item.epochs.S) as IndexEpoch[]) : [FIRST_EPOCH];
    this.index = { epochs, version: out.Item ? num(out.Item.ver) : 0, readAt: this.now() };
    return epochs;
  }

  /**
   * Makes `shards` the index's partition count: a new epoch when it differs from the current one
   * (items move to it as they are written; the old one is read until it drains). Returns the epochs.
   */
  async resizeIndex(shards: number): Promise<IndexEpoch[]> {
    // Called every sweep: the cached map answers "no change" without a read; a change is decided
    // (and written conditionally) on a fresh one.
    const cached = await this.indexEpochs();
    if ((cached.at(-1) as IndexEpoch).shards === shards) return cached;
    const epochs = await this.indexEpochs({ fresh: true });
    const current = epochs.at(-1) as IndexEpoch;
    if (current.shards === shards) return epochs;
    const next = [...epochs, { epoch: current.epoch + 1, shards, since: this.now() }];
    return (await this.putIndexMap(next)) ? next : this.indexEpochs({ fresh: true });
  }

  /**
   * Drops old epochs that hold no item any more, once every writer has had time to see the newer
   * epoch (twice INDEX_MAP_TTL after it began). Returns the epochs still read.
   */
  async retireDrainedIndexes(): Promise<IndexEpoch[]> {
    const epochs = await this.indexEpochs();
    if (epochs.length === 1) return epochs;
    const keep: IndexEpoch[] = [];
    for (let i = 0; i < epochs.length - 1; i++) {
      const epoch = epochs[i] as IndexEpoch;
      const successor = epochs[i + 1] as IndexEpoch;
      const settled = this.now() - successor.since > 2 * INDEX_MAP_TTL;
      if (!settled || !(await this.drained(epoch))) keep.push(epoch);
    }
    keep.push(epochs.at(-1) as IndexEpoch);
    if (keep.length === epochs.length) return epochs;
    return (await this.putIndexMap(keep)) ? keep : this.indexEpochs({ fresh: true });
  }

  private async drained(epoch: IndexEpoch): Promise<boolean> {
    for (const partition of partitionsOf(epoch)) {
      const out = await this.call('Query', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: INDEX_NAME,
            KeyConditionExpression: 'gsk = :g',
            ExpressionAttributeValues: { ':g': { S: partition } },
            Limit: 1,
          }),
        ),
      );
      if ((out.Items ?? []).length > 0) return false;
    }
    return true;
  }

  /** Writes the epochs conditionally on the version read; false when another sweep changed them first. */
  private async putIndexMap(epochs: IndexEpoch[]): Promise<boolean> {
    const version = this.index?.version ?? 0;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: MONITOR_PK },
            sk: { S: INDEX_MAP_SK },
            epochs: { S: JSON.stringify(epochs) },
            ver: { N: String(version + 1) },
          },
          ...versionCondition(version),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw this.failure('PutItem', error, `${MONITOR_PK}/${INDEX_MAP_SK}`);
    }
    this.index = { epochs, version: version + 1, readAt: this.now() };
    return true;
  }

  async putInstance(stored: StoredInstance, expiresAt: number | undefined): Promise<Written> {
    // The item-size policy lives here, with the item: the outbox first, then the document.
    fitOutbox(stored.pending);
    const epoch = (await this.indexEpochs()).at(-1) as IndexEpoch;
    const { item, due } = instanceItem(stored, fitToItemLimit(stored.instance), expiresAt, epoch);
    const version = stored.version;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ...versionCondition(version),
        }),
      );
    } catch (error) {
      throw this.failure('PutItem', error, stored.key);
    }
    return { version: version + 1, indexed: due };
  }

  async clearPending(
    stored: StoredInstance,
    published: ReadonlySet<string>,
  ): Promise<(Written & { pending: Alert[] }) | undefined> {
    const rest = stored.pending.filter((a) => !published.has(messageKey(a)));
    const wk = stored.instance.wk;
    const sets = ['ver = :next'];
    const removes: string[] = [];
    const values: Item = { ':v': { N: String(stored.version) }, ':next': { N: String(stored.version + 1) } };
    if (rest.length > 0) {
      sets.push('#out = :out');
      values[':out'] = { S: JSON.stringify(rest) };
    } else {
      removes.push('#out');
      if (wk === undefined) removes.push('gsk', 'due');
      else {
        sets.push('due = :due');
        values[':due'] = { N: String(wk) };
      }
    }
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: stored.key }, sk: { S: INSTANCE_SK } },
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: 'ver = :v',
          ExpressionAttributeNames: { '#out': 'out' },
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw this.failure('UpdateItem', error, stored.key);
    }
    return { version: stored.version + 1, pending: rest, indexed: rest.length === 0 ? wk : stored.indexed };
  }

  async quarantine(records: readonly QuarantinedRecord[], expiresAt: number): Promise<void> {
    const writes: WriteRequest[] = records.map((r) => ({
      PutRequest: { Item: quarantineItem(r, expiresAt) },
    }));
    await this.batchWrite(writes);
  }

  async addOutcomes(counts: readonly OutcomeCount[], expiresAt: number): Promise<void> {
    await Promise.all(
      counts.map((c) => {
        const entries = Object.entries(c.counts).filter(([, n]) => n !== undefined && n > 0);
        if (entries.length === 0) return undefined;
        const names: Record<string, string> = { '#ttl': 'ttl' };
        const values: Item = { ':ttl': { N: String(Math.floor(expiresAt / 1000)) } };
        entries.forEach(([status, n], i) => {
          names[`#s${i}`] = status;
          values[`:n${i}`] = { N: String(n) };
        });
        return this.call('UpdateItem', () =>
          this.client.send(
            new UpdateItemCommand({
              TableName: this.tableName,
              Key: { pk: { S: outcomesPk(c.workflow) }, sk: { S: c.minute } },
              UpdateExpression: `ADD ${entries.map((_, i) => `#s${i} :n${i}`).join(', ')} SET #ttl = :ttl`,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            }),
          ),
        );
      }),
    );
  }

  async recordSent(alerts: readonly Alert[], at: number, expiresAt: number): Promise<void> {
    const time = new Date(at).toISOString();
    const writes: WriteRequest[] = alerts.map((a) => ({
      PutRequest: {
        Item: {
          pk: { S: sentPk(at) },
          sk: { S: `${time}#${messageKey(a)}` },
          doc: { S: JSON.stringify(sentSummary(a)) },
          ttl: { N: String(Math.floor(expiresAt / 1000)) },
        },
      },
    }));
    await this.batchWrite(writes);
  }

  /** Read units the console's reads consumed so far (`overdue console` reports them per refresh). */
  readUnits = 0;

  /** A workflow's outcome counters from `since` (ISO minute) on. */
  async outcomesSince(workflow: string, since: string): Promise<OutcomeCount[]> {
    const out: OutcomeCount[] = [];
    const query = {
      KeyConditionExpression: 'pk = :pk AND sk >= :since',
      ExpressionAttributeValues: { ':pk': { S: outcomesPk(workflow) }, ':since': { S: since } },
    };
    for await (const items of this.query(query, true)) {
      for (const item of items) {
        const counts: OutcomeCount['counts'] = {};
        for (const status of ['completed', 'failed', 'timed_out', 'incomplete', 'cancelled', 'late'] as const)
          if (item[status]) counts[status] = num(item[status]);
        out.push({ workflow, minute: str(item.sk), counts });
      }
    }
    return out;
  }

  /** Messages sent in [since, until], newest first: one query per hour. */
  async sentBetween(since: number, until: number): Promise<SentMessage[]> {
    const out: SentMessage[] = [];
    const hour = 3600_000;
    for (let h = Math.floor(until / hour) * hour; h >= Math.floor(since / hour) * hour; h -= hour) {
      const query = {
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :b',
        ExpressionAttributeValues: {
          ':pk': { S: sentPk(h) },
          ':a': { S: new Date(since).toISOString() },
          ':b': { S: `${new Date(until).toISOString()}~` },
        },
        ScanIndexForward: false,
      };
      for await (const items of this.query(query, true))
        for (const item of items)
          out.push({ ...(JSON.parse(str(item.doc)) as SentSummary), sentAt: str(item.sk).slice(0, 24) });
    }
    return out;
  }

  /** Instances in the wake-up index, by workflow: those with a deadline ahead (keys only, no items read). */
  async inFlight(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    // The partitions in parallel: each is a separate key, so the wait is the largest one's pages.
    await Promise.all(
      (await this.indexPartitions()).map(async (partition) => {
        const query = {
          IndexName: INDEX_NAME,
          KeyConditionExpression: 'gsk = :g',
          ExpressionAttributeValues: { ':g': { S: partition } },
        };
        for await (const items of this.query(query, true)) {
          for (const item of items) {
            const pk = str(item.pk);
            if (!pk.startsWith('I#')) continue;
            const wf = pk.slice(2, pk.indexOf('#', 2));
            counts.set(wf, (counts.get(wf) ?? 0) + 1);
          }
        }
      }),
    );
    return counts;
  }

  async getWatermarks(): Promise<Map<string, number>> {
    const marks = new Map<string, number>();
    const query = {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: WATERMARK_PK } },
      ConsistentRead: true,
    };
    for await (const items of this.query(query))
      for (const item of items) marks.set(str(item.sk), num(item.hb));
    return marks;
  }

  async advanceWatermark(shardId: string, heartbeat: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: WATERMARK_PK }, sk: { S: shardId } },
          UpdateExpression: 'SET hb = :hb',
          ConditionExpression: 'attribute_not_exists(hb) OR hb < :hb',
          ExpressionAttributeValues: { ':hb': { N: String(heartbeat) } },
        }),
      );
    } catch (error) {
      // Already further along: a redelivered heartbeat must not move it back.
      if (error instanceof ConditionalCheckFailedException) return;
      throw this.failure('UpdateItem', error, `${WATERMARK_PK}/${shardId}`);
    }
  }

  async *dueKeys(partition: string, until: number): AsyncIterable<string[]> {
    const query = {
      IndexName: INDEX_NAME,
      KeyConditionExpression: 'gsk = :g AND due <= :t',
      ExpressionAttributeValues: { ':g': { S: partition }, ':t': { N: String(until) } },
    };
    for await (const items of this.query(query))
      if (items.length > 0) yield items.map((item) => str(item.pk));
  }

  /** A query's pages, following LastEvaluatedKey. */
  private async *query(
    input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
    metered = false,
  ): AsyncIterable<Item[]> {
    let start: Item | undefined;
    do {
      const out = await this.call('Query', () =>
        this.client.send(
          new QueryCommand({
            ...input,
            TableName: this.tableName,
            ExclusiveStartKey: start,
            ...(metered ? { ReturnConsumedCapacity: 'TOTAL' as const } : {}),
          }),
        ),
      );
      if (metered) this.readUnits += out.ConsumedCapacity?.CapacityUnits ?? 0;
      yield out.Items ?? [];
      start = out.LastEvaluatedKey;
    } while (start);
  }

  /** Quarantined records that arrived in [since, until], oldest first: one query per arrival hour. */
  async listQuarantine(since: number, until: number): Promise<QuarantineEntry[]> {
    const entries: QuarantineEntry[] = [];
    const HOUR = 3_600_000;
    for (let hour = since - (since % HOUR); hour <= until; hour += HOUR) {
      for (let shard = 0; shard < QUARANTINE_SHARDS; shard++) {
        const query = {
          KeyConditionExpression: 'pk = :pk AND sk >= :from',
          ExpressionAttributeValues: {
            ':pk': { S: quarantinePk(hour, shard) },
            ':from': { S: new Date(since).toISOString() },
          },
        };
        for await (const items of this.query(query)) {
          for (const item of items) {
            const arrival = num(item.arrival);
            if (arrival > until) continue;
            entries.push({
              arrival,
              reason: str(item.reason),
              message: str(item.message),
              shardId: str(item.shard),
              sequenceNumber: str(item.seq),
              bytes: num(item.bytes),
              ...(item.payload ? { payload: str(item.payload) } : {}),
              ...(item.payloadBase64 ? { payloadBase64: str(item.payloadBase64) } : {}),
              truncated: item.truncated?.BOOL === true,
            });
          }
        }
      }
    }
    // Oldest first across the hour's shards (the sort key starts with the arrival time).
    return entries.sort((a, b) => a.arrival - b.arrival || (a.sequenceNumber < b.sequenceNumber ? -1 : 1));
  }

  async getMonitor(): Promise<MonitorState> {
    const out = await this.call('GetItem', () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: MONITOR_PK }, sk: { S: LAG_SK } },
          ConsistentRead: true,
        }),
      ),
    );
    const item = out.Item;
    if (!item) return { lagging: false, since: undefined, firstRun: undefined, version: 0, pending: [] };
    return {
      lagging: item.lagging?.BOOL === true,
      since: item.since ? num(item.since) : undefined,
      firstRun: item.first ? num(item.first) : undefined,
      version: num(item.ver),
      pending: item.out ? (JSON.parse(str(item.out)) as Alert[]) : [],
    };
  }

  async putMonitor(state: MonitorState): Promise<number> {
    const item: Item = {
      pk: { S: MONITOR_PK },
      sk: { S: LAG_SK },
      ver: { N: String(state.version + 1) },
      lagging: { BOOL: state.lagging },
    };
    if (state.since !== undefined) item.since = { N: String(state.since) };
    if (state.firstRun !== undefined) item.first = { N: String(state.firstRun) };
    if (state.pending.length > 0) item.out = { S: JSON.stringify(state.pending) };
    try {
      await this.client.send(
        new PutItemCommand({ TableName: this.tableName, Item: item, ...versionCondition(state.version) }),
      );
    } catch (error) {
      throw this.failure('PutItem', error, `${MONITOR_PK}/${LAG_SK}`);
    }
    return state.version + 1;
  }

  async getLatencyShare(
    series: LatencySeries,
    shardId: string,
  ): Promise<{ steps: Record<string, WindowData>; version: number } | undefined> {
    const pk = latencyPk(series.workflow, series.windowMs, series.index);
    const out = await this.call('GetItem', () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: pk }, sk: { S: shardId } },
          ConsistentRead: true,
        }),
      ),
    );
    if (!out.Item) return undefined;
    return { steps: JSON.parse(str(out.Item.s)) as Record<string, WindowData>, version: num(out.Item.ver) };
  }

  async putLatencyShare(
    series: LatencySeries,
    shardId: string,
    steps: Record<string, WindowData>,
    version: number,
    expiresAt: number,
  ): Promise<number> {
    const pk = latencyPk(series.workflow, series.windowMs, series.index);
    const item: Item = {
      pk: { S: pk },
      sk: { S: shardId },
      ver: { N: String(version + 1) },
      s: { S: JSON.stringify(steps) },
      ttl: { N: String(Math.floor(expiresAt / 1000)) },
    };
    try {
      await this.client.send(
        new PutItemCommand({ TableName: this.tableName, Item: item, ...versionCondition(version) }),
      );
    } catch (error) {
      throw this.failure('PutItem', error, `${pk}/${shardId}`);
    }
    return version + 1;
  }

  async latencyShares(series: LatencySeries): Promise<Record<string, WindowData>[]> {
    const shares: Record<string, WindowData>[] = [];
    const query = {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: latencyPk(series.workflow, series.windowMs, series.index) } },
      ConsistentRead: true,
    };
    for await (const items of this.query(query, true))
      for (const item of items) shares.push(JSON.parse(str(item.s)) as Record<string, WindowData>);
    return shares;
  }

  async getSilences(): Promise<SilenceState> {
    const out = await this.call('GetItem', () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: MONITOR_PK }, sk: { S: SILENCES_SK } },
          ConsistentRead: true,
        }),
      ),
    );
    if (!out.Item) return { silences: [], version: 0 };
    return { silences: JSON.parse(str(out.Item.doc)) as Silence[], version: num(out.Item.ver) };
  }

  async putSilences(state: SilenceState): Promise<number> {
    const item: Item = {
      pk: { S: MONITOR_PK },
      sk: { S: SILENCES_SK },
      ver: { N: String(state.version + 1) },
      doc: { S: JSON.stringify(state.silences) },
    };
    try {
      await this.client.send(
        new PutItemCommand({ TableName: this.tableName, Item: item, ...versionCondition(state.version) }),
      );
    } catch (error) {
      throw this.failure('PutItem', error, `${MONITOR_PK}/${SILENCES_SK}`);
    }
    return state.version + 1;
  }

  async countAlerts(group: string, window: number, n: number, expiresAt: number): Promise<number> {
    const pk = groupCountPk(group);
    const out = await this.call('UpdateItem', () =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: pk }, sk: { S: String(window) } },
          UpdateExpression: 'ADD c :n SET #ttl = :ttl',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':n': { N: String(n) },
            ':ttl': { N: String(Math.floor(expiresAt / 1000)) },
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      ),
    );
    return num(out.Attributes?.c);
  }

  async getIncidents(): Promise<IncidentState> {
    const out = await this.call('GetItem', () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: MONITOR_PK }, sk: { S: INCIDENTS_SK } },
          ConsistentRead: true,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    this.readUnits += out.ConsumedCapacity?.CapacityUnits ?? 0;
    const item = out.Item;
    if (!item) return { open: {}, pending: [], recent: [], version: 0 };
    const doc = JSON.parse(str(item.doc)) as Omit<IncidentState, 'version'>;
    return { ...doc, version: num(item.ver) };
  }

  async putIncidents(state: IncidentState): Promise<number> {
    const { version, ...doc } = state;
    const item: Item = {
      pk: { S: MONITOR_PK },
      sk: { S: INCIDENTS_SK },
      ver: { N: String(version + 1) },
      doc: { S: JSON.stringify(doc) },
    };
    try {
      await this.client.send(
        new PutItemCommand({ TableName: this.tableName, Item: item, ...versionCondition(version) }),
      );
    } catch (error) {
      throw this.failure('PutItem', error, `${MONITOR_PK}/${INCIDENTS_SK}`);
    }
    return version + 1;
  }

  async getLatencyState(): Promise<LatencyState> {
    const out = await this.call('GetItem', () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: MONITOR_PK }, sk: { S: LATENCY_STATE_SK } },
          ConsistentRead: true,
        }),
      ),
    );
    const item = out.Item;
    if (!item) return { judged: {}, pending: [], version: 0 };
    return {
      judged: JSON.parse(str(item.judged)) as Record<string, number>,
      pending: item.out ? (JSON.parse(str(item.out)) as Alert[]) : [],
      version: num(item.ver),
    };
  }

  async putLatencyState(state: LatencyState): Promise<number> {
    const item: Item = {
      pk: { S: MONITOR_PK },
      sk: { S: LATENCY_STATE_SK },
      ver: { N: String(state.version + 1) },
      judged: { S: JSON.stringify(state.judged) },
    };
    if (state.pending.length > 0) item.out = { S: JSON.stringify(state.pending) };
    try {
      await this.client.send(
        new PutItemCommand({ TableName: this.tableName, Item: item, ...versionCondition(state.version) }),
      );
    } catch (error) {
      throw this.failure('PutItem', error, `${MONITOR_PK}/${LATENCY_STATE_SK}`);
    }
    return state.version + 1;
  }

  /** `overdue dev` notes the workflow file it runs, so that `trace` against it needs no --config. */
  async noteLocalConfig(file: string): Promise<void> {
    await this.call('PutItem', () =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { pk: { S: MONITOR_PK }, sk: { S: LOCAL_CONFIG_SK }, file: { S: file } },
        }),
      ),
    );
  }

  async localConfig(): Promise<string | undefined> {
    const out = await this.call('GetItem', () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: MONITOR_PK }, sk: { S: LOCAL_CONFIG_SK } },
        }),
      ),
    );
    return out.Item?.file?.S;
  }

  async getHeartbeatKey(): Promise<Uint8Array | undefined> {
    const out = await this.call('GetItem', () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: SECRET_PK }, sk: { S: HEARTBEAT_KEY_SK } },
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item?.key?.B;
  }

  async createHeartbeatKey(key: Uint8Array): Promise<Uint8Array> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { pk: { S: SECRET_PK }, sk: { S: HEARTBEAT_KEY_SK }, key: { B: key } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return key;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw this.failure('PutItem', error);
    }
    // Another sweeper created one first: theirs is the deployment's.
    const existing = await this.getHeartbeatKey();
    if (existing === undefined) throw new StoreError('the heartbeat key vanished after a conflict');
    return existing;
  }

  /** Puts in batches of 25, retrying what DynamoDB leaves unprocessed (with backoff). */
  private async batchWrite(writes: readonly WriteRequest[]): Promise<void> {
    for (let i = 0; i < writes.length; i += BATCH_WRITE) {
      const left = await retryRemaining(
        writes.slice(i, i + BATCH_WRITE),
        async (pending) => {
          const out = await this.call('BatchWriteItem', () =>
            this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: [...pending] } })),
          );
          return out.UnprocessedItems?.[this.tableName] ?? [];
        },
        UNPROCESSED,
      );
      if (left.length > 0) throw new StoreError('BatchWriteItem kept leaving items unprocessed');
    }
  }

  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw this.failure(what, error);
    }
  }

  private failure(what: string, error: unknown, key?: string): Error {
    if (error instanceof ConditionalCheckFailedException && key !== undefined) {
      return new VersionConflictError(key, { cause: error });
    }
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return new StoreError(`${what}${key ? ` ${key}` : ''} failed: ${reason}`, { cause: error });
  }
}

/** The item an instance is stored as, and the wake-up it is indexed at (undefined: not indexed). */
export function instanceItem(
  stored: StoredInstance,
  doc: string,
  expiresAt: number | undefined,
  epoch: IndexEpoch = FIRST_EPOCH,
): { item: Item; due: number | undefined } {
  const { instance, pending, version, indexed } = stored;
  const item: Item = {
    pk: { S: stored.key },
    sk: { S: INSTANCE_SK },
    ver: { N: String(version + 1) },
    doc: { S: doc },
  };
  // Pending alerts make the item due at once, so the sweeper retries them if publishing fails.
  // Otherwise the index keeps an earlier wake-up it already has (see StoredInstance.indexed).
  const wk = instance.wk;
  const due =
    pending.length > 0
      ? 0
      : wk !== undefined && indexed !== undefined && indexed > 0 && indexed < wk
        ? indexed
        : wk;
  if (due !== undefined) {
    item.gsk = { S: indexShardIn(stored.key, epoch) };
    item.due = { N: String(due) };
  }
  if (pending.length > 0) item.out = { S: JSON.stringify(pending) };
  if (expiresAt !== undefined) item.ttl = { N: String(Math.ceil(expiresAt / 1000)) };
  return { item, due };
}

function versionCondition(version: number) {
  return version === 0
    ? { ConditionExpression: 'attribute_not_exists(pk)' }
    : { ConditionExpression: 'ver = :v', ExpressionAttributeValues: { ':v': { N: String(version) } } };
}

function toStored(item: Item): StoredInstance {
  return {
    key: str(item.pk),
    instance: JSON.parse(str(item.doc)) as Instance,
    version: num(item.ver),
    pending: item.out ? (JSON.parse(str(item.out)) as Alert[]) : [],
    indexed: item.due ? num(item.due) : undefined,
  };
}

function quarantineItem(r: QuarantinedRecord, expiresAt: number): Item {
  const payload = Buffer.from(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength);
  const kept = payload.subarray(0, MAX_QUARANTINE_PAYLOAD);
  const text = kept.toString('utf8');
  // Verbatim where the bytes are UTF-8 (they survive the round trip); base64 otherwise.
  const isUtf8 = Buffer.from(text, 'utf8').equals(kept);
  const item: Item = {
    pk: { S: quarantinePk(r.arrival, quarantineShard(r.shardId, r.sequenceNumber)) },
    sk: { S: `${new Date(r.arrival).toISOString()}#${r.shardId}#${r.sequenceNumber}` },
    reason: { S: r.reason },
    message: { S: r.message.slice(0, 1000) },
    shard: { S: r.shardId },
    seq: { S: r.sequenceNumber },
    arrival: { N: String(r.arrival) },
    bytes: { N: String(payload.byteLength) },
    ttl: { N: String(Math.ceil(expiresAt / 1000)) },
  };
  if (isUtf8) item.payload = { S: text };
  else item.payloadBase64 = { S: kept.toString('base64') };
  if (kept.byteLength < payload.byteLength) item.truncated = { BOOL: true };
  return item;
}

const str = (v: AttributeValue | undefined): string => v?.S ?? '';
const num = (v: AttributeValue | undefined): number => Number(v?.N ?? 0);
