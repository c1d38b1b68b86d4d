import { type Alert, messageKey } from '../../src/engine/alert.js';
import type { WindowData } from '../../src/engine/baselines.js';
import type { Instance } from '../../src/engine/instance.js';
import { VersionConflictError } from '../../src/runtime/errors.js';
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
} from '../../src/runtime/ports.js';
import type { SilenceState } from '../../src/runtime/silences.js';

type Method = keyof StateStore;

interface Row {
  doc: string;
  version: number;
  out: string | undefined;
  due: number | undefined;
}

/**
 * The table in memory, with the DynamoDB adapter's semantics (conditional writes, the outbox making
 * an item due at once, an index that keeps an earlier wake-up), and faults to inject: `failNext`
 * makes the next calls of a method throw, `beforeWrite` runs just before a write lands (a race).
 * For unit tests of the use cases' failure paths; the emulator tests cover the real adapter.
 */
export class MemoryStore implements StateStore {
  readonly rows = new Map<string, Row>();
  readonly watermarks = new Map<string, number>();
  readonly quarantined: QuarantinedRecord[] = [];
  readonly calls: Method[] = [];
  monitor: MonitorState = { lagging: false, since: undefined, firstRun: undefined, version: 0, pending: [] };
  /** Latency shares by `<workflow>#<windowMs>#<index>` → shard → { steps, version }. */
  readonly latency = new Map<string, Map<string, { steps: Record<string, WindowData>; version: number }>>();
  latencyState: LatencyState = { judged: {}, pending: [], version: 0 };
  readonly groupCounts = new Map<string, number>();
  incidents: IncidentState = { open: {}, pending: [], recent: [], version: 0 };
  silences: SilenceState = { silences: [], version: 0 };
  key: Uint8Array | undefined;
  private readonly faults = new Map<Method, Error[]>();
  /** Runs before an instance write is checked and applied: another writer's chance to get in first. */
  beforeWrite: ((key: string) => Promise<void> | void) | undefined;

  /** The next `times` calls of `method` throw `error`. */
  failNext(method: Method, error: Error = new Error(`${method} failed`), times = 1): this {
    this.faults.set(method, [
      ...(this.faults.get(method) ?? []),
      ...Array.from({ length: times }, () => error),
    ]);
    return this;
  }

  private enter(method: Method): void {
    this.calls.push(method);
    const queued = this.faults.get(method);
    const error = queued?.shift();
    if (error) throw error;
  }

  instanceKey(workflow: string, correlationId: string): string {
    return `I#${workflow}#${correlationId}`;
  }

  async indexPartitions(): Promise<readonly string[]> {
    return ['D#0'];
  }

  readonly resized: number[] = [];
  async resizeIndex(shards: number): Promise<void> {
    this.resized.push(shards);
  }

  async retireDrainedIndexes(): Promise<void> {}

  async getInstances(keys: readonly string[]): Promise<Map<string, StoredInstance>> {
    this.enter('getInstances');
    const found = new Map<string, StoredInstance>();
    for (const key of keys) {
      const row = this.rows.get(key);
      if (!row) continue;
      found.set(key, {
        key,
        instance: JSON.parse(row.doc) as Instance,
        version: row.version,
        pending: row.out ? (JSON.parse(row.out) as Alert[]) : [],
        indexed: row.due,
      });
    }
    return found;
  }

  async putInstance(stored: StoredInstance, _expiresAt: number | undefined): Promise<Written> {
    this.enter('putInstance');
    await this.beforeWrite?.(stored.key);
    const row = this.rows.get(stored.key);
    if ((row?.version ?? 0) !== stored.version) throw new VersionConflictError(stored.key);
    const wk = stored.instance.wk;
    const indexed = stored.indexed;
    const due =
      stored.pending.length > 0
        ? 0
        : wk !== undefined && indexed !== undefined && indexed > 0 && indexed < wk
          ? indexed
          : wk;
    this.rows.set(stored.key, {
      doc: JSON.stringify(stored.instance),
      version: stored.version + 1,
      out: stored.pending.length > 0 ? JSON.stringify(stored.pending) : undefined,
      due,
    });
    return { version: stored.version + 1, indexed: due };
  }

  async clearPending(
    stored: StoredInstance,
    published: ReadonlySet<string>,
  ): Promise<(Written & { pending: Alert[] }) | undefined> {
    this.enter('clearPending');
    const row = this.rows.get(stored.key);
    if (!row || row.version !== stored.version) return undefined;
    const pending = stored.pending.filter((a) => !published.has(messageKey(a)));
    row.version += 1;
    row.out = pending.length > 0 ? JSON.stringify(pending) : undefined;
    if (pending.length === 0) row.due = stored.instance.wk;
    return { version: row.version, pending, indexed: row.due };
  }

  async *dueKeys(_partition: string, until: number): AsyncIterable<string[]> {
    this.enter('dueKeys');
    const keys = [...this.rows].filter(([, r]) => r.due !== undefined && r.due <= until).map(([k]) => k);
    if (keys.length > 0) yield keys;
  }

  async quarantine(records: readonly QuarantinedRecord[]): Promise<void> {
    this.enter('quarantine');
    this.quarantined.push(...records);
  }

  async getWatermarks(): Promise<Map<string, number>> {
    this.enter('getWatermarks');
    return new Map(this.watermarks);
  }

  async advanceWatermark(shardId: string, heartbeat: number): Promise<void> {
    this.enter('advanceWatermark');
    if ((this.watermarks.get(shardId) ?? Number.NEGATIVE_INFINITY) < heartbeat)
      this.watermarks.set(shardId, heartbeat);
  }

  async getMonitor(): Promise<MonitorState> {
    this.enter('getMonitor');
    return structuredClone(this.monitor);
  }

  async putMonitor(state: MonitorState): Promise<number> {
    this.enter('putMonitor');
    if (state.version !== this.monitor.version) throw new VersionConflictError('M/lag');
    this.monitor = { ...structuredClone(state), version: state.version + 1 };
    return state.version + 1;
  }

  async getLatencyShare(series: LatencySeries, shardId: string) {
    this.enter('getLatencyShare');
    const share = this.latency.get(seriesKey(series))?.get(shardId);
    return share === undefined ? undefined : structuredClone(share);
  }

  async putLatencyShare(
    series: LatencySeries,
    shardId: string,
    steps: Record<string, WindowData>,
    version: number,
  ): Promise<number> {
    this.enter('putLatencyShare');
    const key = seriesKey(series);
    const shares = this.latency.get(key) ?? new Map();
    if ((shares.get(shardId)?.version ?? 0) !== version)
      throw new VersionConflictError(`L/${key}/${shardId}`);
    shares.set(shardId, { steps: structuredClone(steps), version: version + 1 });
    this.latency.set(key, shares);
    return version + 1;
  }

  async latencyShares(series: LatencySeries): Promise<Record<string, WindowData>[]> {
    this.enter('latencyShares');
    return [...(this.latency.get(seriesKey(series))?.values() ?? [])].map((s) => structuredClone(s.steps));
  }

  async getSilences(): Promise<SilenceState> {
    this.enter('getSilences');
    return structuredClone(this.silences);
  }

  async putSilences(state: SilenceState): Promise<number> {
    this.enter('putSilences');
    if (state.version !== this.silences.version) throw new VersionConflictError('M/silences');
    this.silences = { ...structuredClone(state), version: state.version + 1 };
    return state.version + 1;
  }

  /** Outcome counters by `workflow@minute`, and the messages sent, as the console reads them. */
  readonly outcomes = new Map<string, OutcomeCount['counts']>();
  readonly sent: { at: number; alert: Alert }[] = [];

  async addOutcomes(counts: readonly OutcomeCount[], _expiresAt?: number): Promise<void> {
    this.enter('addOutcomes');
    for (const c of counts) {
      const key = `${c.workflow}@${c.minute}`;
      const into = this.outcomes.get(key) ?? {};
      for (const [status, n] of Object.entries(c.counts) as [keyof OutcomeCount['counts'], number][])
        into[status] = (into[status] ?? 0) + n;
      this.outcomes.set(key, into);
    }
  }

  async recordSent(alerts: readonly Alert[], at: number, _expiresAt?: number): Promise<void> {
    this.enter('recordSent');
    for (const alert of alerts) this.sent.push({ at, alert: structuredClone(alert) });
  }

  async countAlerts(group: string, window: number, n: number): Promise<number> {
    this.enter('countAlerts');
    const key = `${group}@${window}`;
    const total = (this.groupCounts.get(key) ?? 0) + n;
    this.groupCounts.set(key, total);
    return total;
  }

  async getIncidents(): Promise<IncidentState> {
    this.enter('getIncidents');
    return structuredClone(this.incidents);
  }

  async putIncidents(state: IncidentState): Promise<number> {
    this.enter('putIncidents');
    if (state.version !== this.incidents.version) throw new VersionConflictError('M/incidents');
    this.incidents = { ...structuredClone(state), version: state.version + 1 };
    return state.version + 1;
  }

  async getLatencyState(): Promise<LatencyState> {
    this.enter('getLatencyState');
    return structuredClone(this.latencyState);
  }

  async putLatencyState(state: LatencyState): Promise<number> {
    this.enter('putLatencyState');
    if (state.version !== this.latencyState.version) throw new VersionConflictError('M/latency');
    this.latencyState = { ...structuredClone(state), version: state.version + 1 };
    return state.version + 1;
  }

  async getHeartbeatKey(): Promise<Uint8Array | undefined> {
    this.enter('getHeartbeatKey');
    return this.key;
  }

  async createHeartbeatKey(key: Uint8Array): Promise<Uint8Array> {
    this.enter('createHeartbeatKey');
    this.key ??= key;
    return this.key;
  }
}

const seriesKey = (s: LatencySeries) => `${s.workflow}#${s.windowMs}#${s.index}`;
