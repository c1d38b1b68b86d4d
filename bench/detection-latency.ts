// Detection latency in dev mode: from a deadline becoming final (deadline + grace, wall clock) to
// its alert being printed, over 120 instances whose payment never comes. Prints one JSON line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sendEvents } from '../packages/producer/src/send.js';
import { LOCAL_NAME, startDev } from '../src/local/dev.js';

const INSTANCES = Number(process.env.BENCH_LATENCY_INSTANCES ?? 120);
const WITHIN = 2000;
const GRACE = 500;
const dir = mkdtempSync(join(tmpdir(), 'overdue-latency-'));
const file = join(dir, 'workflows.yml');
writeFileSync(
  file,
  `version: 1
defaults: { grace: ${GRACE}ms, retention: 1h }
workflows:
  order:
    start: placed
    deadline: 1m
    steps:
      paid: { within: ${WITHIN}ms }
`,
);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;

const rows = [];
for (const sweepEveryMs of [2000, 500]) {
  const final = new Map<string, number>();
  const latencies: number[] = [];
  const dev = await startDev({
    configFile: file,
    demo: false,
    kinesisPort: 0,
    dynamodbPort: 0,
    snsPort: 0,
    sweepEveryMs,
    print: () => {},
    color: false,
    onAlert: (alert) => {
      const due = final.get(alert.correlationId);
      if (due !== undefined && alert.kind === 'step_overdue') latencies.push(Date.now() - due);
    },
  });
  // Ten orders a second, so that deadlines fall at every phase of the sweep interval.
  for (let i = 0; i < INSTANCES; i++) {
    const placed = Date.now();
    const cid = `o-${sweepEveryMs}-${i}`;
    final.set(cid, placed + WITHIN + GRACE);
    await sendEvents(dev.emulators.kinesis, LOCAL_NAME, [
      JSON.stringify({ eventId: cid, correlationId: cid, workflow: 'order', step: 'placed', time: placed }),
    ]);
    await new Promise((r) => setTimeout(r, 100));
  }
  const deadline = Date.now() + WITHIN + GRACE + 4 * sweepEveryMs + 5000;
  while (latencies.length < INSTANCES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await dev.stop();
  const sorted = [...latencies].sort((a, b) => a - b);
  rows.push({
    sweepEveryMs,
    instances: INSTANCES,
    alerts: latencies.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1),
  });
}
console.log(JSON.stringify(rows));
