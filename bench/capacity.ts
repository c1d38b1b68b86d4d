// The capacity model (issue 12): how far the deployment goes, and what breaks first. The real consumer and sweeper code runs in virtual time over an in-memory table that meters
// capacity units per partition key and second by DynamoDB's on-demand rules; those per-event costs
// are scaled to 1k, 10k and 100k events/s against AWS's published limits. The CPU rows leave out the
// SDK and the network, so they are floors. Prints a table, or with --json:
// { runs: [{ eventsPerSecond, traffic, components: [{ name, load, limit, unit }], detectionMs }] }.
import type { Alert } from '../src/engine/alert.js';
import { consumeBatch, type StreamRecord } from '../src/runtime/consume-batch.js';
import { heartbeatRecord } from '../src/runtime/heartbeat.js';
import type { MetricsSink, OutcomeCount, StoredInstance, Written } from '../src/runtime/ports.js';
import { sweep } from '../src/runtime/sweep.js';
import { INDEX_SHARDS, indexShard } from '../src/store/keys.js';
import { MemoryStore } from '../test/support/memory-store.js';
import { benchConfig, benchEvents } from './workload.js';

const JSON_OUT = process.argv.includes('--json');
const RATES = [1_000, 10_000, 100_000];
const KEY = new Uint8Array(32).fill(9);
const MINUTE = 60_000;

/** AWS limits and prices (us-east-1, on-demand) the model checks against. */
const LIMITS = {
  partitionWcu: 1_000,
  tableWcu: 40_000,
  shardRecords: 1_000,
  /** Index keys are sized to half a partition's write limit: room for a burst or a hot epoch change. */
  indexKeyShare: 0.5,
  /** A sweep worker is sized to half its function's CPU: room for the SDK the model leaves out. */
  workerShare: 0.5,
  /** The largest batch the Kinesis event source mapping delivers (the batchSize parameter's maximum). */
  batchSize: 10_000,
  /** A 512 MB Lambda gets this share of a vCPU (1,769 MB is one vCPU). */
  vcpuAt512: 512 / 1_769,
};
const PRICE = {
  wcu: 0.625 / 1e6,
  rcu: 0.125 / 1e6,
  kinesisGbIn: 0.08,
  kinesisGbOut: 0.04,
  /** An on-demand stream's hourly charge. */
  kinesisStreamHour: 0.04,
  lambdaGbSecond: 0.0000133334,
  /** Provisioned capacity, per unit-hour, and the utilisation auto scaling holds it at (its target). */
  provisionedWcuHour: 0.00065,
  provisionedRcuHour: 0.00013,
  autoScalingTarget: 0.7,
};

/** The table in memory, metering on-demand capacity units per partition key and virtual second. */
class MeteredStore extends MemoryStore {
  readonly wcuByKey = new Map<string, number>();
  tableWcu = 0;
  indexWcu = 0;
  rcu = 0;
  private readonly bytes = new Map<string, number>();

  constructor(private readonly now: () => number) {
    super();
    this.key = KEY;
  }

  private charge(key: string, units: number): void {
    const bucket = `${key}@${Math.floor(this.now() / 1000)}`;
    this.wcuByKey.set(bucket, (this.wcuByKey.get(bucket) ?? 0) + units);
  }

  private index(key: string, before: number | undefined, after: number | undefined): void {
    if (before === after) return;
    const units = (before === undefined ? 0 : 1) + (after === undefined ? 0 : 1);
    this.indexWcu += units;
    this.charge(indexShard(key), units);
  }

  override async getInstances(keys: readonly string[], options?: { consistent?: boolean }) {
    const found = await super.getInstances(keys);
    for (const key of keys) {
      const units = Math.max(1, Math.ceil((this.bytes.get(key) ?? 0) / 4096));
      this.rcu += options?.consistent ? units : units / 2;
    }
    return found;
  }

  override async putInstance(stored: StoredInstance, expiresAt: number | undefined): Promise<Written> {
    const before = this.rows.get(stored.key)?.due;
    const written = await super.putInstance(stored, expiresAt);
    const row = this.rows.get(stored.key);
    const size = (row?.doc.length ?? 0) + (row?.out?.length ?? 0) + 60;
    const units = Math.max(1, Math.ceil(Math.max(size, this.bytes.get(stored.key) ?? 0) / 1024));
    this.bytes.set(stored.key, size);
    this.tableWcu += units;
    this.charge(stored.key, units);
    this.index(stored.key, before, row?.due);
    return written;
  }

  override async clearPending(stored: StoredInstance, published: ReadonlySet<string>) {
    const before = this.rows.get(stored.key)?.due;
    const result = await super.clearPending(stored, published);
    const units = Math.max(1, Math.ceil((this.bytes.get(stored.key) ?? 100) / 1024));
    this.tableWcu += units;
    this.charge(stored.key, units);
    this.index(stored.key, before, this.rows.get(stored.key)?.due);
    return result;
  }

  override async addOutcomes(counts: readonly OutcomeCount[], expiresAt: number): Promise<void> {
    await super.addOutcomes(counts, expiresAt);
    for (const c of counts) {
      this.tableWcu += 1;
      this.charge(`O#${c.workflow}`, 1);
    }
  }

  override async recordSent(alerts: readonly Alert[], at: number, expiresAt: number): Promise<void> {
    await super.recordSent(alerts, at, expiresAt);
    this.tableWcu += alerts.length;
    for (const _ of alerts) this.charge(`R#${new Date(at).toISOString().slice(0, 13)}`, 1);
  }

  override async advanceWatermark(shardId: string, heartbeat: number): Promise<void> {
    await super.advanceWatermark(shardId, heartbeat);
    this.tableWcu += 1;
    this.charge('W', 1);
  }

  /** The busiest second of the busiest key of each kind. */
  peaks(): { index: number; watermark: number; instance: number } {
    const peak = { index: 0, watermark: 0, instance: 0 };
    for (const [bucket, units] of this.wcuByKey) {
      const key = bucket.slice(0, bucket.lastIndexOf('@'));
      const kind = key.startsWith('D#') ? 'index' : key === 'W' ? 'watermark' : 'instance';
      peak[kind] = Math.max(peak[kind], units);
    }
    return peak;
  }
}

const noMetrics: MetricsSink = { count() {}, timing() {}, gauge() {} };
const quiet = { info() {}, warn() {}, error() {} };

/** Each instance's six steps within 1.5 s, as a pipeline of quick functions emits them. */
function burstyEvents(instances: number): Record<string, unknown>[] {
  return benchEvents(instances)
    .map((e) => {
      const [i, s] = String(e.eventId).slice(2).split('-').map(Number) as [number, number];
      return { ...e, time: new Date(Date.parse('2026-11-02T00:00:00Z') + i * 50 + s * 300).toISOString() };
    })
    .sort((a, b) => Date.parse(a.time as string) - Date.parse(b.time as string));
}

/**
 * One shard's traffic through the real consumer (batches of one second, as the event source
 * mapping's window makes them) and the real sweeper (once a minute, T from the heartbeats), in
 * virtual time. Returns the per-event costs.
 */
async function simulate(traffic: 'spread' | 'bursty', instances: number, windowS: number) {
  const windowMs = windowS * 1000;
  const events = traffic === 'spread' ? benchEvents(instances) : burstyEvents(instances);
  let now = Date.parse(events[0]?.time as string);
  const store = new MeteredStore(() => now);
  const config = benchConfig();
  const publisher = {
    publish: async (alerts: readonly { alertId: string }[]) => ({
      published: new Set(alerts.map((a) => a.alertId)),
      failed: [],
    }),
  };
  const consumer = {
    config,
    store,
    publisher,
    metrics: noMetrics,
    logger: quiet,
    clock: () => now,
    quarantineRetentionMs: 86_400_000,
    logPayloads: false,
    maxSkewMs: 120_000,
    cache: { watermarks: new Map<string, number>() },
  };
  const sweeper = {
    config,
    store,
    publisher,
    heartbeats: { shards: async () => [{ id: 's-0', parents: [], open: true }], beat: async () => {} },
    metrics: noMetrics,
    logger: quiet,
    clock: () => now,
    lagThresholdMs: 3_600_000,
    lagSeverity: 'high' as const,
    streamName: 'capacity',
    cache: {},
    // As the composition root sets it for a sweep a minute.
    rereadWindowMs: 10 * MINUTE,
  };
  let seq = 10n ** 20n;
  let consumerMs = 0;
  let sweeperMs = 0;
  let due = 0;
  let batches = 0;
  let nextSweep = now + MINUTE;
  for (let i = 0; i < events.length; ) {
    // The event source mapping's batching window: everything that arrives within it is one batch
    // (the batch size is set large enough not to cut it short: see model()).
    const window = Math.floor(Date.parse(events[i]?.time as string) / windowMs);
    const batch: StreamRecord[] = [];
    while (i < events.length && Math.floor(Date.parse(events[i]?.time as string) / windowMs) === window) {
      const e = events[i++] as Record<string, unknown>;
      batch.push({
        shardId: 's-0',
        sequenceNumber: String(seq++),
        data: Buffer.from(JSON.stringify(e)),
        arrival: Date.parse(e.time as string),
      });
    }
    now = (window + 1) * windowMs;
    if (now >= nextSweep) {
      // The sweeper's heartbeat reaches the consumer with this batch; then the sweep runs.
      batch.unshift({
        shardId: 's-0',
        sequenceNumber: String(seq++),
        data: Buffer.from(heartbeatRecord(nextSweep, KEY)),
        arrival: now,
      });
    }
    const started = performance.now();
    await consumeBatch(batch, consumer);
    consumerMs += performance.now() - started;
    batches++;
    if (now >= nextSweep) {
      const s = performance.now();
      const result = await sweep(sweeper, Number.POSITIVE_INFINITY);
      sweeperMs += performance.now() - s;
      due += result.due;
      nextSweep += MINUTE;
    }
  }
  const n = events.length;
  const virtualSeconds =
    (Date.parse(events.at(-1)?.time as string) - Date.parse(events[0]?.time as string)) / 1000;
  return {
    events: n,
    eventsPerSecond: n / virtualSeconds,
    tableWcuPerEvent: store.tableWcu / n,
    indexWcuPerEvent: store.indexWcu / n,
    rcuPerEvent: store.rcu / n,
    consumerMsPerEvent: consumerMs / n,
    sweeperMsPerDue: due > 0 ? sweeperMs / due : 0,
    duePerEvent: due / n,
    batchesPerSecond: batches / virtualSeconds,
    peakIndexWcuPerKey: store.peaks().index,
  };
}

interface Component {
  name: string;
  load: number;
  limit: number;
  unit: string;
}

/** The deployment's defaults (serverless.yml) that set detection latency and cost. */
const DEFAULTS = {
  /** The event source mapping's batching window (the batchWindow parameter), seconds. */
  batchWindowS: 2,
  sweepEveryMs: 5_000,
  awaitHeartbeatsMs: 3_000,
  scheduleMs: 60_000,
  timeoutMs: 75_000,
  safetyMarginMs: 5_000,
  /** Invocation start after the schedule fires. */
  startMs: 300,
  /** The table's capacity mode (the billingMode parameter). */
  billing: 'onDemand' as 'onDemand' | 'provisioned',
};
type Settings = typeof DEFAULTS;

/** A heartbeat's round trip: the batching window, then Lambda's polling (about once a second). */
const tripMs = (d: Settings) => d.batchWindowS * 1000 + 1000;

/**
 * Detection latency from deadline to judgement, p50 and p99 over deadlines spread evenly across two
 * invocations. Sweeps run as the sweeper's handler schedules them. A sweep that waits for its heartbeats (the wait longer than the trip) judges at its
 * own start, once the trip is done; otherwise at the previous sweep's start (its heartbeat came round
 * meanwhile).
 */
export function detection(d: Settings): { p50: number; p99: number } {
  // As functions/sweeper.ts sets it up: sweeping every few seconds, sweeps end half a second before
  // the next invocation and the last needs only its heartbeat wait and a second of work.
  const fast = d.sweepEveryMs > 0;
  const stopBy = Math.min(
    d.timeoutMs - d.safetyMarginMs,
    fast ? d.scheduleMs - 500 : Number.POSITIVE_INFINITY,
  );
  const minSweep = fast ? d.awaitHeartbeatsMs + 1_000 : d.sweepEveryMs;
  const offsets = [0];
  while (fast) {
    const next = (offsets.at(-1) as number) + d.sweepEveryMs;
    if (next + minSweep > stopBy) break;
    offsets.push(next);
  }
  const starts = [0, 1, 2, 3].flatMap((k) => offsets.map((o) => k * d.scheduleMs + d.startMs + o));
  const trip = tripMs(d);
  const awaits = d.awaitHeartbeatsMs >= trip;
  // Each sweep: the event time it judges at (T) and when it does.
  const sweeps = starts.map((t, i) => ({
    judgesAt: awaits ? t : (starts[i - 1] ?? Number.NEGATIVE_INFINITY),
    at: awaits ? t + trip : t,
  }));
  const delays: number[] = [];
  for (let deadline = d.scheduleMs; deadline < 3 * d.scheduleMs; deadline += 10) {
    const judged = sweeps.find((s) => s.judgesAt >= deadline);
    if (judged) delays.push(judged.at - deadline);
  }
  delays.sort((a, b) => a - b);
  const at = (q: number) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))] as number;
  return { p50: at(0.5), p99: at(0.99) };
}

type Costs = Awaited<ReturnType<typeof simulate>>;

/**
 * A Managed Service for Apache Flink CEP job reading the same stream, as the issue prices it: the
 * same Kinesis bill, a KPU ($0.11 an hour, 50 GB of running storage at $0.10 a GB-month) per 2,000
 * events a second plus one for orchestration, two at least. $0.87 per million workflows at 10k
 * events/s, where the issue's estimate is $0.81 ($3.5k a month).
 */
function flinkPerMillion(rate: number, kinesisPerMillion: number, workflowsPerMonth: number): number {
  const kpus = Math.max(2, Math.ceil(rate / 2_000) + 1);
  const monthly = kpus * (730 * 0.11 + 50 * 0.1);
  return kinesisPerMillion + (monthly * 1e6) / workflowsPerMonth;
}

/** The deployment at `rate` with `settings`: its components' loads against their limits, and its cost. */
function model(rate: number, costs: Costs, settings: Settings = DEFAULTS) {
  // On-demand streams start at 4 shards and keep room to double: sized here at half their limit.
  const shards = Math.max(4, Math.ceil(rate / (LIMITS.shardRecords / 2)));
  const perShard = rate / shards;
  // The wake-up index's partition count (the indexShards setting) the rate needs, never below the
  // default: a change starts a new index epoch, so it can follow the load.
  const indexWcu = rate * costs.indexWcuPerEvent;
  const indexKeys = Math.max(
    INDEX_SHARDS,
    Math.ceil(indexWcu / (LIMITS.partitionWcu * LIMITS.indexKeyShare)),
  );
  // This machine's CPU is taken as one Lambda vCPU; a 512 MB function has 0.29 of one.
  const sweeperShare = (rate * costs.duePerEvent * costs.sweeperMsPerDue) / 1000 / LIMITS.vcpuAt512;
  // Sweep workers (the sweepWorkers setting), each kept at half a function's CPU; 1 sweeps alone.
  const workers = sweeperShare <= LIMITS.workerShare ? 1 : Math.ceil(sweeperShare / LIMITS.workerShare);
  const components: Component[] = [
    { name: 'Kinesis records per shard', load: perShard, limit: LIMITS.shardRecords, unit: 'records/s' },
    // CPU of the use cases and engine only: the in-memory table costs nothing, where the SDK's
    // marshalling and the network cost real CPU on Lambda. A floor, not an estimate.
    {
      name: 'consumer CPU/shard, no SDK (floor)',
      load: (perShard * costs.consumerMsPerEvent) / 1000 / LIMITS.vcpuAt512,
      limit: 1,
      unit: 'share of the function',
    },
    {
      name: `sweeper CPU per worker, no SDK (${workers} worker${workers === 1 ? '' : 's'})`,
      load: sweeperShare / workers,
      limit: 1,
      unit: 'share of the function',
    },
    {
      name: `wake-up index, per key (${indexKeys} keys)`,
      load: indexWcu / indexKeys,
      limit: LIMITS.partitionWcu,
      unit: 'WCU/s',
    },
    { name: 'table writes', load: rate * costs.tableWcuPerEvent, limit: LIMITS.tableWcu, unit: 'WCU/s' },
    {
      // The batch size a shard needs so that the batching window, not the size, closes a batch.
      name: 'records per batch',
      load: perShard * settings.batchWindowS,
      limit: LIMITS.batchSize,
      unit: 'records (batchSize)',
    },
    {
      name: 'watermark item (W)',
      load: shards * costs.batchesPerSecond,
      limit: LIMITS.partitionWcu,
      unit: 'WCU/s',
    },
  ];
  const detectionMs = detection(settings);
  // Cost per million six-step workflows (6 million events) at this rate, monthly fixed costs spread.
  const perMillion = 6e6;
  const monthSeconds = 30 * 86_400;
  const workflowsPerMonth = (rate / 6) * monthSeconds;
  // Provisioned capacity bills each unit-second held; auto scaling holds 1/target of the load.
  const unitPrice =
    settings.billing === 'onDemand'
      ? { wcu: PRICE.wcu, rcu: PRICE.rcu }
      : {
          wcu: PRICE.provisionedWcuHour / 3600 / PRICE.autoScalingTarget,
          rcu: PRICE.provisionedRcuHour / 3600 / PRICE.autoScalingTarget,
        };
  const dynamo =
    perMillion *
    ((costs.tableWcuPerEvent + costs.indexWcuPerEvent) * unitPrice.wcu + costs.rcuPerEvent * unitPrice.rcu);
  // On-demand Kinesis bills each record rounded up to 1 KB, in and out.
  const kinesis =
    ((perMillion * 1024) / 1e9) * (PRICE.kinesisGbIn + PRICE.kinesisGbOut) +
    (730 * PRICE.kinesisStreamHour * 1e6) / workflowsPerMonth;
  const gbSecond = (cpuMs: number) => (cpuMs / 1000 / LIMITS.vcpuAt512) * 0.5 * PRICE.lambdaGbSecond;
  const lambda =
    gbSecond(perMillion * costs.consumerMsPerEvent) +
    gbSecond(perMillion * costs.duePerEvent * costs.sweeperMsPerDue);
  // What the sweep cadence costs whatever the traffic, spread over the month's workflows: the
  // sweeper running through each minute, a heartbeat per shard per sweep (a watermark write each),
  // and each sweep's reads (the watermarks and one query per index key, half a unit each).
  const sweepsPerMonth = (monthSeconds / settings.sweepEveryMs) * 1000;
  const monthly =
    (monthSeconds / 60) * 55 * 0.5 * PRICE.lambdaGbSecond +
    sweepsPerMonth * shards * unitPrice.wcu +
    sweepsPerMonth * (1 + indexKeys) * 0.5 * unitPrice.rcu;
  const cadence = (monthly * 1e6) / workflowsPerMonth;
  const costPerMillion = dynamo + kinesis + lambda + cadence;
  return {
    shards,
    indexKeys,
    workers,
    components,
    detectionMs,
    costPerMillion,
    monthly: (costPerMillion * workflowsPerMonth) / 1e6,
    flinkPerMillion: flinkPerMillion(rate, kinesis, workflowsPerMonth),
  };
}

const simulated = {
  spread: await simulate('spread', 3_000, DEFAULTS.batchWindowS),
  bursty: await simulate('bursty', 3_000, DEFAULTS.batchWindowS),
};
const runs = [];
for (const rate of RATES) {
  for (const traffic of ['spread', 'bursty'] as const) {
    const m = model(rate, simulated[traffic]);
    const provisioned = model(rate, simulated[traffic], { ...DEFAULTS, billing: 'provisioned' });
    runs.push({
      eventsPerSecond: rate,
      traffic,
      shards: m.shards,
      indexShards: m.indexKeys,
      sweepWorkers: m.workers,
      components: m.components,
      detectionMs: m.detectionMs,
      costPerMillionWorkflows: m.costPerMillion,
      monthlyCost: m.monthly,
      flinkPerMillionWorkflows: m.flinkPerMillion,
      provisioned: { costPerMillionWorkflows: provisioned.costPerMillion, monthlyCost: provisioned.monthly },
    });
  }
}

// The batching window against cost and detection at 10k events/s: the trade-off docs/operations.md
// tells users to make. Each sweep waits for a heartbeat round trip that the window lengthens.
const TUNING_WINDOWS = [1, 2, 3, 5, 10, 30, 60];
const tuning = [];
for (const batchWindowS of TUNING_WINDOWS) {
  const settings = {
    ...DEFAULTS,
    batchWindowS,
    awaitHeartbeatsMs: Math.max(3_000, batchWindowS * 1000 + 1000),
  };
  const row: Record<string, unknown> = { batchWindowS, awaitHeartbeatsMs: settings.awaitHeartbeatsMs };
  for (const traffic of ['spread', 'bursty'] as const) {
    const costs =
      batchWindowS === DEFAULTS.batchWindowS
        ? simulated[traffic]
        : await simulate(traffic, 3_000, batchWindowS);
    const m = model(10_000, costs, settings);
    const p = model(10_000, costs, { ...settings, billing: 'provisioned' });
    row[traffic] = {
      wcuPerEvent: costs.tableWcuPerEvent + costs.indexWcuPerEvent,
      costPerMillionWorkflows: m.costPerMillion,
      timesFlink: m.costPerMillion / m.flinkPerMillion,
      provisioned: {
        costPerMillionWorkflows: p.costPerMillion,
        timesFlink: p.costPerMillion / p.flinkPerMillion,
      },
    };
    row.detectionMs = m.detectionMs;
  }
  tuning.push(row);
}
const onceAMinute = detection({ ...DEFAULTS, sweepEveryMs: 0, awaitHeartbeatsMs: 0 });
if (JSON_OUT) {
  console.log(JSON.stringify({ runs, tuning, perEvent: simulated }));
} else {
  const fmt = (n: number, d = 0) =>
    n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  for (const [traffic, c] of Object.entries(simulated)) {
    console.log(
      `measured per event (${traffic}, ${fmt(c.events)} events through the real consumer and sweeper, batches of ${DEFAULTS.batchWindowS} s): ` +
        `${fmt(c.tableWcuPerEvent, 2)} table + ${fmt(c.indexWcuPerEvent, 2)} index WCU, ${fmt(c.rcuPerEvent, 2)} RCU, ` +
        `consumer ${fmt(c.consumerMsPerEvent, 3)} ms, sweeper ${fmt(c.sweeperMsPerDue, 3)} ms per due item (${fmt(c.duePerEvent, 2)} due per event)`,
    );
  }
  console.log(
    `detection with the defaults (batching window ${DEFAULTS.batchWindowS} s, a sweep every ${DEFAULTS.sweepEveryMs / 1000} s, each waiting up to ${DEFAULTS.awaitHeartbeatsMs / 1000} s for its heartbeats): ` +
      `p50 ${fmt(runs[0]?.detectionMs.p50 ?? 0)} ms, p99 ${fmt(runs[0]?.detectionMs.p99 ?? 0)} ms; ` +
      `a sweep a minute (sweepEvery 0s): p50 ${fmt(onceAMinute.p50)} ms, p99 ${fmt(onceAMinute.p99)} ms`,
  );
  for (const run of runs) {
    console.log(
      `\n${fmt(run.eventsPerSecond)} events/s, ${run.traffic}: ${run.shards} shards, indexShards ${run.indexShards}${run.indexShards === INDEX_SHARDS ? ' (the default)' : ` (default ${INDEX_SHARDS})`}, sweepWorkers ${run.sweepWorkers}; detection p50 ${fmt(run.detectionMs.p50 / 1000, 1)} s, p99 ${fmt(run.detectionMs.p99 / 1000, 1)} s\n` +
        `  cost per million workflows: $${fmt(run.costPerMillionWorkflows, 2)} on-demand (${fmt(run.costPerMillionWorkflows / run.flinkPerMillionWorkflows, 1)}× Flink, $${fmt(run.monthlyCost)} a month), ` +
        `$${fmt(run.provisioned.costPerMillionWorkflows, 2)} provisioned (${fmt(run.provisioned.costPerMillionWorkflows / run.flinkPerMillionWorkflows, 1)}×, $${fmt(run.provisioned.monthlyCost)} a month); ` +
        `a Flink CEP job on the same stream: $${fmt(run.flinkPerMillionWorkflows, 2)}`,
    );
    const first = [...run.components].sort((a, b) => b.load / b.limit - a.load / a.limit)[0];
    for (const c of run.components) {
      const use = c.load / c.limit;
      console.log(
        `  ${c.name.padEnd(46)} ${fmt(c.load, c.load < 10 ? 2 : 0).padStart(10)} of ${fmt(c.limit, c.limit < 10 ? 2 : 0).padStart(7)} ${c.unit.padEnd(22)} ${use > 1 ? 'OVER' : `${fmt((1 - use) * 100)}% headroom`}${c === first ? '   ← first to break' : ''}`,
      );
    }
  }
  console.log('\nthe batching window at 10,000 events/s (awaitHeartbeats = the window + 1 s, 3 s at least):');
  console.log(
    '  window  detection p50/p99 │ spread: WCU/event  on-demand $/M  provisioned $/M │ bursty: WCU/event  on-demand $/M  provisioned $/M',
  );
  for (const row of tuning) {
    const d = row.detectionMs as { p50: number; p99: number };
    const cell = (t: 'spread' | 'bursty') => {
      const c = row[t] as {
        wcuPerEvent: number;
        costPerMillionWorkflows: number;
        timesFlink: number;
        provisioned: { costPerMillionWorkflows: number; timesFlink: number };
      };
      const money = (cost: number, times: number) => `$${fmt(cost, 2)} (${fmt(times, 1)}×)`;
      return `${fmt(c.wcuPerEvent, 2).padStart(17)}  ${money(c.costPerMillionWorkflows, c.timesFlink).padStart(13)}  ${money(c.provisioned.costPerMillionWorkflows, c.provisioned.timesFlink).padStart(15)}`;
    };
    console.log(
      `  ${`${row.batchWindowS} s`.padStart(6)}  ${`${fmt(d.p50 / 1000, 1)} / ${fmt(d.p99 / 1000, 1)} s`.padStart(17)} │ ${cell('spread')} │ ${cell('bursty')}`,
    );
  }
}
