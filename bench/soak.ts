// The trust soak: an hour of event time, compressed, through the real consumer and sweeper handlers
// on dynalite and kinesalite, with poison records, forged heartbeats, a retry storm, a backfill of
// two-hour-old events and a shard split mixed into ordinary traffic. Prints one JSON line: alerts
// expected (replay --drain of each instance's events alone) against alerts raised, and every record
// accounted for.
import { PutRecordsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import type { Alert } from '../src/engine/alert.js';
import { startEmulators } from '../src/local/emulators.js';
import { type EventSpec, line, MIN, replay, SEC, T0 } from '../test/helpers.js';
import { harness } from '../test/integration/harness.js';

const INSTANCES_PER_MINUTE = Number(process.env.SOAK_RATE ?? 50);
const MINUTES = 60;
const STORM = 2_000;

/** A small deterministic generator, so that every run soaks the same traffic. */
let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};

/** One instance's events: healthy most of the time, and every way of going wrong now and then. */
function script(cid: string, start: number): EventSpec[] {
  const items = 1 + Math.floor(random() * 3);
  const e = (step: string, at: number, more: Partial<EventSpec> = {}) => ({
    step,
    at: start + at,
    cid,
    ...more,
  });
  const events: EventSpec[] = [e('placed', 0, { attributes: { items } })];
  const roll = random();
  if (roll < 0.05) return events; // never paid
  if (roll < 0.1) return [...events, e('paid', 20 * SEC, { status: 'failed' }), e('declined', 30 * SEC)];
  events.push(e('paid', (roll < 0.15 ? 3 : 1) * MIN)); // 5% paid late
  events.push(e('reserved', 2 * MIN));
  const picks = roll < 0.2 ? items - 1 : items; // 5% a fan-out short
  for (let i = 0; i < picks; i++) events.push(e('picked', 3 * MIN + i * 10 * SEC));
  if (roll < 0.25) return events; // 5% never shipped
  events.push(e('shipped', (roll < 0.3 ? 16 : 6) * MIN)); // 5% completed late
  return events;
}

const emu = await startEmulators();
// With an argument, the sweeper fans out to that many workers (the real worker handler).
const workers = Number(process.argv[2] ?? 1);
const h = await harness(emu, {
  shards: 2,
  batchSize: 500,
  lagThresholdMs: 5 * MIN,
  ...(workers > 1 ? { sweepWorkers: workers } : {}),
});
const identity = (a: Alert) => `${a.workflow} ${a.correlationId} ${a.kind}:${a.step ?? ''} ${a.status}`;

// Every instance's events, with event IDs fixed up front so duplicates are real duplicates.
const byInstance = new Map<string, string[]>();
const timed: { at: number; data: string; key: string }[] = [];
let serial = 0;
const add = (spec: EventSpec, sendAt: number) => {
  const data = line({ ...spec, eventId: spec.eventId ?? `s-${++serial}` });
  const cid = spec.cid as string;
  if (!byInstance.has(cid)) byInstance.set(cid, []);
  (byInstance.get(cid) as string[]).push(data);
  timed.push({ at: sendAt, data, key: cid });
};
for (let minute = 0; minute < MINUTES - 20; minute++) {
  for (let i = 0; i < INSTANCES_PER_MINUTE; i++) {
    const cid = `o-${minute}-${i}`;
    const events = script(cid, minute * MIN + Math.floor(random() * 50) * SEC);
    for (const spec of events) add(spec, spec.at);
    // One in ten has a record delivered twice: it must count once.
    const again = byInstance.get(cid)?.[0];
    if (again !== undefined && random() < 0.1)
      timed.push({ at: (events[0]?.at ?? 0) + 30 * SEC, data: again, key: cid });
  }
}
// A retry storm: one instance with 2,000 failed payment attempts, then no payment at all.
add({ step: 'placed', at: 10 * MIN, cid: 'o-storm', attributes: { items: 1 } }, 10 * MIN);
for (let i = 0; i < STORM; i++)
  add({ step: 'paid', at: 10 * MIN + i * 25, cid: 'o-storm', status: 'failed' }, 10 * MIN + i * 25);
// A backfill at minute 30: a producer down for two hours sends what it kept.
for (let i = 0; i < 50; i++) {
  for (const spec of script(`b-${i}`, -120 * MIN + i * 20 * SEC)) add(spec, 30 * MIN);
}
// Poison every minute, forged heartbeats every five.
const poison = [
  '{"eventId":"p","correlationId":"x","workflow":"order","step":"placed","time":1e16}',
  '{"eventId":"p","correlationId":"x","workflow":"order","step":"placed","time":1e300}',
  '{"not json',
  '{"eventId":"p","correlationId":"x","workflow":"nope","step":"placed","time":"2026-11-02T09:00:00Z"}',
];
let poisonSent = 0;
let forgedSent = 0;
for (let minute = 0; minute < MINUTES; minute++) {
  const data = poison[minute % poison.length] as string;
  timed.push({ at: minute * MIN + 1, data, key: `poison-${minute}` });
  poisonSent++;
  if (minute % 5 === 0) {
    timed.push({
      at: minute * MIN + 2,
      data: `{"overdue":"heartbeat","time":${T0 + 30 * 86_400_000}}`,
      key: 'forger',
    });
    forgedSent++;
  }
}
timed.sort((a, b) => a.at - b.at);

const started = performance.now();
let cursor = 0;
let recordsPut = 0;
let split = false;
const sweeps: { observed: number | undefined; lagMs: number }[] = [];
for (let minute = 0; minute <= MINUTES + 20; minute++) {
  const until = minute * MIN;
  const batch: typeof timed = [];
  while (cursor < timed.length && (timed[cursor] as (typeof timed)[number]).at < until)
    batch.push(timed[cursor++] as (typeof timed)[number]);
  for (let i = 0; i < batch.length; i += 500) {
    const slice = batch.slice(i, i + 500);
    await emu.kinesis.send(
      new PutRecordsCommand({
        StreamName: h.stream,
        Records: slice.map((r) => ({ Data: Buffer.from(r.data), PartitionKey: r.key })),
      }),
    );
    recordsPut += slice.length;
  }
  if (minute === 20 && !split) {
    await emu.kinesis.send(
      new SplitShardCommand({
        StreamName: h.stream,
        ShardToSplit: 'shardId-000000000000',
        NewStartingHashKey: (2n ** 126n).toString(),
      }),
    );
    split = true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await h.poller.drain();
  const result = await h.tick(T0 + until);
  sweeps.push({ observed: result.observed, lagMs: result.lagMs });
}
const seconds = (performance.now() - started) / 1000;

const expected = [...byInstance.values()].flatMap((lines) =>
  replay(lines, { drain: true }).alerts.map(identity),
);
const raised = [...new Map(h.published.map((a) => [a.alertId, a])).values()];
const raisedIds = raised.filter((a) => a.workflow !== 'overdue').map(identity);
const missing = expected.filter((x) => !raisedIds.includes(x));
const unexpected = raisedIds.filter((x) => !expected.includes(x));
const quarantined = await h.quarantined();
const count = (name: string) => h.metrics.counts.get(name) ?? 0;
const counts = {
  events: count('events'),
  duplicates: count('duplicates'),
  invalid: count('invalid'),
  forgedHeartbeats: count('forgedHeartbeats'),
};
const storm = await h.instance('o-storm');
console.log(
  JSON.stringify({
    eventMinutes: MINUTES + 20,
    workers,
    workerInvocations: h.invocations.length,
    instances: byInstance.size,
    recordsPut,
    seconds,
    expectedAlerts: expected.length,
    raisedAlerts: raisedIds.length,
    missing: missing.slice(0, 10),
    unexpected: unexpected.slice(0, 10),
    monitorLagging: raised.filter((a) => a.kind === 'monitor_lagging').length,
    // Every record put is an applied event, a duplicate or quarantined: nothing lost.
    accounted: counts.events + counts.duplicates + counts.invalid,
    consumer: counts,
    quarantinedByReason: quarantined.reduce<Record<string, number>>((m, q) => {
      m[String(q.reason)] = (m[String(q.reason)] ?? 0) + 1;
      return m;
    }, {}),
    poisonSent,
    forgedSent,
    stormAlerts: raised
      .filter((a) => a.correlationId === 'o-storm')
      .map((a) => `${a.kind}:${a.timeline.length}+${a.timelineTrimmed ?? 0}`),
    stormStoredTimelineRows: storm?.instance.tl.length,
    finalObserved:
      sweeps.at(-1)?.observed === undefined
        ? null
        : new Date(sweeps.at(-1)?.observed as number).toISOString(),
  }),
);
await emu.stop();
