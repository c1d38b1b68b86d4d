// The sweeper's cost must follow the number of due instances, not the table: the same 1,000 due
// instances among 10k and among 200k in flight, against dynalite. Prints one JSON line.
import { createTable, startEmulators } from '../src/local/emulators.js';
import type { AlertPublisher, LogSink, MetricsSink } from '../src/runtime/ports.js';
import { sweep } from '../src/runtime/sweep.js';
import { DynamoDbStore } from '../src/store/dynamodb-store.js';
import type { WorkflowModel } from '../src/workflow/model.js';
import { RequestMeter } from './request-meter.js';
import { loadRunning } from './table-load.js';
import { benchConfig } from './workload.js';

const DUE = Number(process.env.BENCH_DUE ?? 1000);
const SIZES = (process.env.BENCH_INFLIGHT ?? '10000,200000').split(',').map(Number);
const T = Date.parse('2026-11-02T12:00:00Z');
const config = benchConfig();
const model = config.workflows.get('order') as WorkflowModel;
const quietLog: LogSink = { info() {}, warn() {}, error() {} };
const noMetrics: MetricsSink = { count() {}, timing() {}, gauge() {} };
const publisher: AlertPublisher = {
  publish: async (alerts) => ({ published: new Set(alerts.map((a) => a.alertId)), failed: [] }),
};

const emu = await startEmulators();
const meter = new RequestMeter();
meter.attach(emu.dynamodb);
const rows = [];
let serial = 0;
for (const inFlight of [2000, ...SIZES]) {
  const table = `sweep-${++serial}`;
  await createTable(emu.dynamodb, table);
  const loadStart = performance.now();
  // The first DUE are overdue at T; the rest wake up after it.
  await loadRunning(emu.dynamodb, table, model, inFlight, (i) =>
    i < DUE ? T - 10 * 60_000 : T - 60_000 + (i % 50_000),
  );
  const loadSeconds = (performance.now() - loadStart) / 1000;
  const store = new DynamoDbStore(emu.dynamodb, table);
  await store.advanceWatermark('shardId-0', T);
  meter.reset();
  const started = performance.now();
  const result = await sweep(
    {
      config,
      store,
      publisher,
      metrics: noMetrics,
      logger: quietLog,
      clock: () => T + 30_000,
      heartbeats: {
        shards: async () => [{ id: 'shardId-0', parents: [], open: true }],
        beat: async () => {},
      },
      lagThresholdMs: 3_600_000,
      lagSeverity: 'high',
      streamName: 'bench',
    },
    Number.POSITIVE_INFINITY,
  );
  const ms = performance.now() - started;
  if (result.due !== DUE) throw new Error(`expected ${DUE} due, found ${result.due}`);
  // The first, small table only warms up the code paths.
  if (serial > 1) {
    rows.push({
      inFlight,
      due: result.due,
      alerts: result.alerts,
      ms,
      requests: meter.totalRequests,
      byType: Object.fromEntries(meter.requests),
      loadSeconds,
    });
  }
}
await emu.stop();
console.log(JSON.stringify(rows));
