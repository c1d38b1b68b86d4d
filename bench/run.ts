// npm run bench: prints the figures the README quotes. Each measurement runs in its own process
// so that peak RSS belongs to it alone.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchEvents } from './workload.js';

const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 100_000);
// `npm run bench -- soak latency` runs only those sections; no argument runs them all.
const SECTIONS = [
  'engine',
  'cli',
  'consumer',
  'sweeper',
  'latency',
  'producer',
  'soak',
  'capacity',
  'storm',
  'console',
];
const only = process.argv.slice(2);
for (const name of only) {
  if (!SECTIONS.includes(name)) {
    console.error(`unknown section ${JSON.stringify(name)}: choose from ${SECTIONS.join(', ')}`);
    process.exit(2);
  }
}
const want = (name: string) => only.length === 0 || only.includes(name);

/** The workload as NDJSON in `dir`, as replay reads it. */
async function writeWorkload(dir: string): Promise<string> {
  const file = join(dir, 'events.ndjson');
  const out = createWriteStream(file);
  for (const event of benchEvents(INSTANCES)) {
    if (!out.write(`${JSON.stringify(event)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return file;
}

function child(script: string, ...args: string[]) {
  // --expose-gc: each timed run starts from a collected heap, so runs do not pay for each other.
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join('bench', script), ...args],
    {
      encoding: 'utf8',
      // The SDK's Node 20 notice (README, Development) is not a figure.
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    },
  );
  return JSON.parse(out.trim().split('\n').pop() as string);
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

console.log(
  `overdue benchmark · node ${process.version} · ${INSTANCES.toLocaleString('en-US')} instances × 6 steps\n`,
);

if (want('engine')) {
  const engine = child('engine-bench.ts', String(INSTANCES));
  const behaviour = engine.behaviour;
  console.log(
    `engine (one core, pre-parsed events, ${process.env.BENCH_PAIRS ?? 15} runs each after a warm-up, plain and behaviour in back-to-back pairs)`,
  );
  console.log(
    `  throughput            ${fmt(engine.eventsPerSecond)} events/s best, ${fmt(engine.medianEventsPerSecond)} median   (target ≥ 500,000)`,
  );
  console.log(
    `  with behaviour on     ${fmt(behaviour.eventsPerSecond)} events/s best, ${fmt(behaviour.medianEventsPerSecond)} median (baselines on every step and an assertion)`,
  );
  console.log(
    `  behaviour / plain     ${fmt(behaviour.pairedRatio.median * 100)}% median of the pairs (${fmt(behaviour.pairedRatio.min * 100)}–${fmt(behaviour.pairedRatio.max * 100)}%)   (target ≥ 80%)`,
  );
  console.log(
    `  events                ${fmt(engine.events)} folded in ${fmt(engine.seconds * 1000)} ms (best run)`,
  );
  console.log(
    `  typical instance      ${fmt(engine.typicalInstanceBytes)} bytes serialized (6 steps, source + traceId each; target ≤ 1 KB)`,
  );
  console.log(
    `  peak RSS              ${fmt(engine.maxRssMiB)} MiB (all ${fmt(INSTANCES)} instances and events in memory)\n`,
  );

  const dir = mkdtempSync(join(tmpdir(), 'overdue-bench-'));
  try {
    const file = await writeWorkload(dir);
    const size = statSync(file).size;
    const replay = child('replay-bench.ts', file);
    console.log(
      `replay (${fmt(size / 1048576, 1)} MiB NDJSON, ${fmt(replay.lines)} events; best and median of 7, alternating)`,
    );
    console.log(
      `  read + JSON.parse     ${fmt(replay.parseBest * 1000)} ms best, ${fmt(replay.parseMedian * 1000)} ms median`,
    );
    console.log(
      `  overdue replay        ${fmt(replay.replayBest * 1000)} ms best, ${fmt(replay.replayMedian * 1000)} ms median`,
    );
    console.log(
      `  ratio                 ${fmt(replay.ratioMedian, 2)}× median of paired runs   (target ≤ 3×)`,
    );
    console.log(
      `  peak RSS              ${fmt(replay.replayRssMiB)} MiB (every instance stays in memory: none passes the 7-day retention)`,
    );
    for (const retention of ['7d', '1m']) {
      const m = child('replay-memory.ts', file, retention);
      console.log(
        `  retention ${retention.padEnd(3)}         peak heap ${fmt(m.peakHeapMiB)} MiB live, peak RSS ${fmt(m.maxRssMiB)} MiB`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (want('cli')) {
  // overdue replay end to end, through bin/overdue.js, on the same workload written to a file.
  const cliDir = mkdtempSync(join(tmpdir(), 'overdue-bench-cli-'));
  try {
    const file = await writeWorkload(cliDir);
    const cli = child('replay-cli.ts', file) as {
      inputMiB: number;
      jsonMiB: number;
      events: number;
      alerts: number;
      parseBest: number;
      jsonBest: number;
      humanBest: number;
      jsonOverParse: number;
      humanOverJson: number;
    };
    console.log(
      `\noverdue replay --drain through bin/overdue.js (${fmt(cli.inputMiB, 1)} MiB, ${fmt(cli.events)} events, ${fmt(cli.alerts)} alerts; output to a file; median of 5 alternating)`,
    );
    console.log(`  read + JSON.parse     ${fmt(cli.parseBest * 1000)} ms best (a process of its own)`);
    console.log(
      `  --json                ${fmt(cli.jsonBest * 1000)} ms best, ${fmt(cli.jsonOverParse, 2)}× read + parse (target ≤ 3×); ${fmt(cli.jsonMiB, 1)} MiB written`,
    );
    console.log(
      `  human report          ${fmt(cli.humanBest * 1000)} ms best, ${fmt(cli.humanOverJson, 2)}× the --json run (target ≤ 1.2×)`,
    );
  } finally {
    rmSync(cliDir, { recursive: true, force: true });
  }
}

if (want('consumer')) {
  // The AWS runtime against dynalite: DynamoDB requests and estimated capacity units.
  const all = child('consumer-bench.ts') as {
    shape: string;
    behaviour: boolean;
    latencyWriteUnitsPerEvent: number;
    batchSize: number;
    events: number;
    instancePuts: number;
    changedInstances: number;
    requestsPerEvent: number;
    writeUnitsPerEvent: number;
    tableWriteUnitsPerEvent: number;
    indexWriteUnitsPerEvent: number;
    readUnitsPerEvent: number;
  }[];
  const consumer = all.filter((r) => !r.behaviour);
  console.log('\nconsumer against dynalite, per event (6-step workflow; write units = table + index)');
  console.log(
    '  traffic  batch   requests  write units (table + index)   read units   puts per changed instance',
  );
  for (const r of consumer) {
    console.log(
      `  ${r.shape.padEnd(7)} ${String(r.batchSize).padStart(6)}   ${fmt(r.requestsPerEvent, 2).padStart(8)}  ${fmt(r.writeUnitsPerEvent, 2).padStart(5)} (${fmt(r.tableWriteUnitsPerEvent, 2)} + ${fmt(r.indexWriteUnitsPerEvent, 2)})${' '.repeat(14)}${fmt(r.readUnitsPerEvent, 2).padStart(5)}        ${fmt(r.instancePuts / r.changedInstances, 2)}`,
    );
  }
  console.log(
    '  spread: steps a minute apart (a batch holds one event per instance); bursty: six steps in 1.5 s',
  );
  console.log(
    "  learned baselines on every step: their shares' write units per event (target ≤ 0.05 at batch 100)",
  );
  for (const r of all.filter((row) => row.behaviour)) {
    console.log(
      `    ${r.shape.padEnd(7)} batch ${String(r.batchSize).padStart(5)}   ${fmt(r.latencyWriteUnitsPerEvent, 3)}`,
    );
  }
  console.log(
    '  targets: one write per changed instance per batch; ≤ 1 write unit per event at batch size 100',
  );
}

if (want('sweeper')) {
  const sweeper = child('sweeper-bench.ts') as {
    inFlight: number;
    due: number;
    ms: number;
    requests: number;
  }[];
  console.log('\nsweeper against dynalite: the same due instances among more in flight');
  for (const r of sweeper) {
    console.log(
      `  ${fmt(r.inFlight).padStart(7)} in flight, ${fmt(r.due)} due   ${fmt(r.ms)} ms, ${fmt(r.requests)} requests`,
    );
  }
  const [small, large] = sweeper;
  if (small && large) {
    console.log(
      `  ratio                 ${fmt(large.ms / small.ms, 2)}× time, ${fmt(large.requests / small.requests, 2)}× requests   (target ≤ 1.2)`,
    );
  }
}

if (want('latency')) {
  const latency = child('detection-latency.ts') as {
    sweepEveryMs: number;
    instances: number;
    alerts: number;
    p50: number;
    p99: number;
  }[];
  console.log('\ndetection latency in dev mode: deadline + grace (wall clock) → alert printed');
  for (const r of latency) {
    console.log(
      `  sweep every ${fmt(r.sweepEveryMs)} ms   p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms   (${r.alerts} of ${r.instances} instances alerted)`,
    );
  }
}

if (want('producer')) {
  const producer = child('producer-overhead.ts') as {
    runs: number;
    addedP50: number;
    addedP99: number;
    cpuOnlyAddedP50: number;
    cpuOnlyAddedP99: number;
  };
  console.log(`\ntrackStep overhead per invocation (${producer.runs} invocations of a no-op handler)`);
  console.log(
    `  with a local stream     + ${fmt(producer.addedP50, 2)} ms p50, + ${fmt(producer.addedP99, 2)} ms p99 (PutRecords to kinesalite, in this process)`,
  );
  console.log(
    `  middleware alone        + ${fmt(producer.cpuOnlyAddedP50, 3)} ms p50, + ${fmt(producer.cpuOnlyAddedP99, 3)} ms p99 (a client that does no I/O)`,
  );
  const pkg = child('producer-package.ts') as {
    packages: number;
    diskMiB: number;
    bundleBytes: number;
    byPackage: Record<string, number>;
  };
  console.log('\noverdue-producer, installed from its npm pack tarball into an empty service');
  console.log(
    `  install               ${pkg.packages} packages, ${fmt(pkg.diskMiB, 1)} MiB (the Kinesis client is nearly all of it)`,
  );
  console.log(
    `  minimal SQS handler   ${fmt(pkg.bundleBytes / 1024, 1)} KB minified, AWS SDK external (target ≤ 60 KB): ${Object.entries(
      pkg.byPackage,
    )
      .sort((a, b) => b[1] - a[1])
      .map(([name, bytes]) => `${name} ${fmt(bytes / 1024, 1)}`)
      .join(', ')}`,
  );
}

if (want('soak')) {
  const soak = child('soak.ts') as {
    eventMinutes: number;
    instances: number;
    recordsPut: number;
    seconds: number;
    expectedAlerts: number;
    raisedAlerts: number;
    missing: string[];
    unexpected: string[];
    monitorLagging: number;
    accounted: number;
    consumer: { events: number; duplicates: number; invalid: number; forgedHeartbeats: number };
    quarantinedByReason: Record<string, number>;
    poisonSent: number;
    forgedSent: number;
    stormAlerts: string[];
  };
  console.log(
    `\ntrust soak: ${soak.eventMinutes} minutes of event time through the real handlers (dynalite + kinesalite) in ${fmt(soak.seconds, 1)} s`,
  );
  console.log(
    `  traffic               ${fmt(soak.instances)} instances, ${fmt(soak.recordsPut)} records: poison every minute, a forged heartbeat every 5, a ${fmt(2000)}-attempt retry storm, a backfill of 2-hour-old events, a shard split, redeliveries`,
  );
  console.log(
    `  alerts                ${fmt(soak.expectedAlerts)} expected (replay --drain of each instance), ${fmt(soak.raisedAlerts)} raised, ${soak.missing.length} missing, ${soak.unexpected.length} unexpected, ${soak.monitorLagging} monitor_lagging`,
  );
  console.log(
    `  records               ${fmt(soak.accounted)} of ${fmt(soak.recordsPut)} accounted for: ${fmt(soak.consumer.events)} applied, ${fmt(soak.consumer.duplicates)} duplicates, ${fmt(soak.consumer.invalid)} quarantined (${Object.entries(
      soak.quarantinedByReason,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')})`,
  );
  console.log(
    `  retry storm alerts    ${soak.stormAlerts.join(', ')} (rows shown + rows counted in timelineTrimmed)`,
  );
  // The same soak with the sweeper fanned out to three workers: the same alerts, exactly once.
  const fanned = child('soak.ts', '3') as typeof soak & { workerInvocations: number };
  console.log(
    `  with 3 sweep workers  ${fmt(fanned.expectedAlerts)} expected, ${fmt(fanned.raisedAlerts)} raised, ${fanned.missing.length} missing, ${fanned.unexpected.length} unexpected, ${fanned.monitorLagging} monitor_lagging; ${fmt(fanned.accounted)} of ${fmt(fanned.recordsPut)} records accounted for; ${fmt(fanned.workerInvocations)} worker invocations`,
  );
}

if (want('storm')) {
  // Incidents instead of alert storms: what 10,000 failing instances send, and what grouping costs.
  const storm = child('storm-bench.ts') as {
    alerts: number;
    messages: number;
    oneByOne: number;
    incidentMessages: string[];
    writeUnitsPerAlert: number;
  };
  console.log(
    `\nalert storm: ${fmt(storm.alerts)} instances raising the same alert within a minute (dynalite)`,
  );
  console.log(
    `  messages published    ${fmt(storm.messages)} (target ≤ 10): ${storm.oneByOne} one by one, then the incident: ${storm.incidentMessages.join(', ')}`,
  );
  console.log(
    `  grouping cost         ${fmt(storm.writeUnitsPerAlert, 3)} write units per alert (counters and the incident item)`,
  );
}

if (want('console')) {
  const rows = child('console-bench.ts') as {
    inFlight: number;
    firstMs: number;
    medianMs: number;
    readUnits: number;
    latencySteps: number;
  }[];
  console.log(
    '\nconsole board against dynalite: one refresh (an hour of outcomes and 200 sent messages in the table)',
  );
  for (const r of rows) {
    // Read units at the on-demand price, for a page left open at the default 5 s refresh.
    const perHour = ((r.readUnits * 3600) / 5) * (0.125 / 1e6);
    console.log(
      `  ${fmt(r.inFlight).padStart(7)} in flight   ${fmt(r.firstMs)} ms first, ${fmt(r.medianMs)} ms median   ${fmt(r.readUnits, 1)} read units a refresh ($${fmt(perHour, 3)} an hour with a page open, 5 s refresh; ${r.latencySteps} sparklines)`,
    );
  }
}

if (want('capacity')) {
  // Printed as the model prints it: per rate and traffic shape, each component against its limit.
  const out = execFileSync(process.execPath, ['--import', 'tsx', join('bench', 'capacity.ts')], {
    encoding: 'utf8',
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  console.log(
    `\ncapacity model (the default deployment; index keys and sweep workers sized to the rate)\n${out.trimEnd()}`,
  );
}
