// The sweeper's cost must follow the number of due instances, not the table: the same 1,000 due
// instances among 10k and among 200k in flight, against dynalite. Prints one JSON line.
import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { applyEvent } from '../src/engine/transition.js';
import { createTable, startEmulators } from '../src/local/emulators.js';
import type { AlertPublisher, LogSink, MetricsSink, StoredInstance } from '../src/runtime/ports.js';
import { sweep } from '../src/runtime/sweep.js';
import { mapLimit } from '../src/shared/map-limit.js';
import { DynamoDbStore, instanceItem } from '../src/store/dynamodb-store.js';
import { instancePk } from '../src/store/keys.js';
import type { WorkflowModel } from '../src/workflow/model.js';
import { RequestMeter } from './request-meter.js';
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

/** A running order placed at `placed`: its first wake-up is 2.5 minutes later. */
function item(id: string, placed: number) {
  const { instance } = applyEvent(
    undefined,
    {
      eventId: `e-${id}`,
      correlationId: id,
      workflow: 'order',
      step: 'order.placed',
      status: 'succeeded',
      time: placed,
    },
    model,
    placed,
  );
  const stored: StoredInstance = {
    key: instancePk('order', id),
    instance,
    version: 0,
    pending: [],
    indexed: undefined,
  };
  return instanceItem(stored, JSON.stringify(instance), undefined).item;
}

async function load(client: DynamoDBClient, table: string, inFlight: number): Promise<void> {
  const ids = Array.from({ length: inFlight }, (_, i) => i);
  const chunks: number[][] = [];
  for (let i = 0; i < ids.length; i += 25) chunks.push(ids.slice(i, i + 25));
  await mapLimit(chunks, 8, async (chunk) => {
    const writes = chunk.map((i) => ({
      // The first DUE are overdue at T; the rest wake up after it.
      PutRequest: { Item: item(`o-${i}`, i < DUE ? T - 10 * 60_000 : T - 60_000 + (i % 50_000)) },
    }));
    let pending: typeof writes = writes;
    while (pending.length > 0) {
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
      pending = (out.UnprocessedItems?.[table] ?? []) as typeof writes;
    }
  });
}

const emu = await startEmulators();
const meter = new RequestMeter();
meter.attach(emu.dynamodb);
const rows = [];
let serial = 0;
for (const inFlight of [2000, ...SIZES]) {
  const table = `sweep-${++serial}`;
  await createTable(emu.dynamodb, table);
  const loadStart = performance.now();
  await load(emu.dynamodb, table, inFlight);
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
