// Engine throughput on one core: pre-parsed events, the engine alone (no JSON, no I/O). Each
// transition also computes the instance's next wake-up, which the store indexes. Runs the plain
// workflow and the same one with the behaviour features on (learned baselines on every step and an
// assertion), alternating, so that both see the same machine: the ratio is the figure.

import { LatencyBaselines } from '../src/engine/baselines.js';
import type { Instance } from '../src/engine/instance.js';
import { applyEvent } from '../src/engine/transition.js';
import { parseEvent } from '../src/events/parse.js';
import type { TelemetryEvent } from '../src/events/telemetry.js';
import type { WorkflowConfig, WorkflowModel } from '../src/workflow/model.js';
import { behaviourConfig, benchConfig, benchEvents } from './workload.js';

const INSTANCES = Number(process.argv[2] ?? 100_000);
// Fifteen pairs: with seven, the ratio's median moved by ±3 points between runs on this machine.
// BENCH_PAIRS sets another number (7 for a quick look).
const RUNS = Number(process.env.BENCH_PAIRS ?? 15);
const mid = Math.floor(RUNS / 2);
const raw = benchEvents(INSTANCES);

function prepare(config: WorkflowConfig) {
  const events: TelemetryEvent[] = [];
  for (const r of raw) {
    const parsed = parseEvent(JSON.stringify(r), config);
    if (parsed.ok) events.push(parsed.event);
  }
  return { events, model: config.workflows.get('order') as WorkflowModel };
}

function run(
  { events, model }: ReturnType<typeof prepare>,
  behaviour: boolean,
): { seconds: number; alerts: number; bytes: number } {
  const instances = new Map<string, Instance>();
  const baselines = behaviour ? new LatencyBaselines() : undefined;
  let alerts = 0;
  let now = Number.NEGATIVE_INFINITY;
  const started = process.hrtime.bigint();
  for (const event of events) {
    if (event.time > now) {
      now = event.time;
      // As the replayer does when observed time moves: windows it passed are judged.
      if (baselines) alerts += baselines.close(now).alerts.length;
    }
    const result = applyEvent(instances.get(event.correlationId), event, model, now);
    instances.set(event.correlationId, result.instance);
    alerts += result.alerts.length;
    baselines?.observe(result, event, model); // as the replayer does
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const typical = instances.get('o-100000');
  return { seconds, alerts, bytes: Buffer.byteLength(JSON.stringify(typical)) };
}

const gc = (globalThis as { gc?: () => void }).gc;
const plainInput = prepare(benchConfig());
const behaviourInput = prepare(behaviourConfig());
run(plainInput, false); // warm-up: let the JIT settle
run(behaviourInput, true);
const plain: ReturnType<typeof run>[] = [];
const behaviour: ReturnType<typeof run>[] = [];
// Each pair runs back to back, so it shares the machine's state of the moment: the ratio is taken per
// pair and its median reported, which is steadier than a ratio of two separate medians.
const ratios: number[] = [];
for (let i = 0; i < RUNS; i++) {
  gc?.(); // each run starts from the same heap: the previous run's instances are garbage
  const p = run(plainInput, false);
  gc?.();
  const b = run(behaviourInput, true);
  plain.push(p);
  behaviour.push(b);
  ratios.push(p.seconds / b.seconds);
}
ratios.sort((a, b) => a - b);
const byTime = (a: { seconds: number }, b: { seconds: number }) => a.seconds - b.seconds;
plain.sort(byTime);
behaviour.sort(byTime);
const best = plain[0] as ReturnType<typeof run>;
const median = plain[mid] as ReturnType<typeof run>;
const n = plainInput.events.length;
process.stdout.write(
  `${JSON.stringify({
    events: n,
    instances: INSTANCES,
    seconds: best.seconds,
    eventsPerSecond: n / best.seconds,
    medianEventsPerSecond: n / median.seconds,
    alerts: best.alerts,
    typicalInstanceBytes: best.bytes,
    behaviour: {
      eventsPerSecond: n / (behaviour[0] as ReturnType<typeof run>).seconds,
      medianEventsPerSecond: n / (behaviour[mid] as ReturnType<typeof run>).seconds,
      pairedRatio: { median: ratios[mid], min: ratios[0], max: ratios[RUNS - 1] },
    },
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
