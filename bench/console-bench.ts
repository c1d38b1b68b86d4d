// How long `overdue console`'s board takes to load, and what one refresh costs in read units, with
// 1k, 10k and 100k instances in flight in the table (dynalite; the read units are the emulator's
// ConsumedCapacity, which follows DynamoDB's rule: 4 KB per unit, half for eventually consistent
// reads, summed per page). The workflow has latency baselines on every step, so the sparklines' reads
// are in the figure too, and an hour of outcome counters and sent messages. Prints one JSON line.
import { board } from '../src/console/data.js';
import { createTable, startEmulators } from '../src/local/emulators.js';
import { isoMinute } from '../src/runtime/activity.js';
import { DynamoDbStore } from '../src/store/dynamodb-store.js';
import type { WorkflowModel } from '../src/workflow/model.js';
import { anAlert } from '../test/support/alerts.js';
import { loadRunning } from './table-load.js';
import { behaviourConfig } from './workload.js';

const SIZES = (process.env.BENCH_CONSOLE ?? '1000,10000,100000').split(',').map(Number);
const T = Date.parse('2026-11-28T12:00:00Z');
const config = behaviourConfig();
const model = config.workflows.get('order') as WorkflowModel;

const emu = await startEmulators();
const rows = [];
let serial = 0;
for (const inFlight of SIZES) {
  const table = `console-${++serial}`;
  await createTable(emu.dynamodb, table);
  const loadStart = performance.now();
  await loadRunning(emu.dynamodb, table, model, inFlight, (i) => T - 60_000 + (i % 50_000));
  const store = new DynamoDbStore(emu.dynamodb, table);
  // An hour of outcomes, minute by minute, and 200 messages sent.
  await store.addOutcomes(
    Array.from({ length: 60 }, (_, m) => ({
      workflow: 'order',
      minute: isoMinute(T - m * 60_000),
      counts: { completed: 100, failed: 2, late: 3 },
    })),
    T + 86_400_000,
  );
  const sent = Array.from({ length: 200 }, (_, i) => anAlert(i, T, { lateByMs: i }));
  await store.recordSent(sent, T - 600_000, T + 86_400_000);
  const loadSeconds = (performance.now() - loadStart) / 1000;
  const deps = { store, config, clock: () => T, traceLink: () => undefined };
  const runs = [];
  for (let r = 0; r < 3; r++) {
    const started = performance.now();
    const b = await board(deps);
    runs.push({
      ms: performance.now() - started,
      readUnits: b.readUnits,
      inFlight: b.workflows[0]?.inFlight,
    });
  }
  if (runs[0]?.inFlight !== inFlight)
    throw new Error(`expected ${inFlight} in flight, counted ${runs[0]?.inFlight}`);
  rows.push({
    inFlight,
    firstMs: runs[0]?.ms,
    medianMs: runs.map((r) => r.ms).sort((a, b) => a - b)[1],
    readUnits: runs[0]?.readUnits,
    latencySteps: model.steps.filter((s) => s.latency).length,
    loadSeconds,
  });
}
await emu.stop();
console.log(JSON.stringify(rows));
