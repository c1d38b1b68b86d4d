import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sendEvents } from '../../packages/producer/src/send.js';
import { messageKey } from '../../src/engine/alert.js';
import { addSample, encodeWindow, newWindow } from '../../src/engine/baselines.js';
import { type DevMode, LOCAL_NAME } from '../../src/local/dev.js';
import { createTable } from '../../src/local/emulators.js';
import { DynamoDbStore } from '../../src/store/dynamodb-store.js';
import { instancePk } from '../../src/store/keys.js';
import { cli } from '../cli/run-cli.js';
import { MIN } from '../helpers.js';
import { startTestDev, until } from './test-dev.js';

// Second-scale deadlines: the whole scenario is final 4.5 s after it starts.
const WORKFLOWS = `
version: 1
defaults: { grace: 500ms, retention: 1h }
workflows:
  order:
    start: placed
    deadline: 4s
    # Learned baselines, with too few runs in this test ever to judge a window: trace shows them.
    latency: { window: 1m }
    steps:
      paid: { within: 1s }
      picked: { count: { from: placed, attribute: items }, within: 2s }
      shipped: { after: [paid, picked], within: 2s }
    complete: [shipped]
    fail: [declined]
`;

let dev: DevMode;
const alertsFile = join(mkdtempSync(join(tmpdir(), 'overdue-alerts-')), 'alerts.ndjson');
const printed: string[] = [];

beforeAll(async () => {
  dev = await startTestDev(WORKFLOWS, (text) => printed.push(text), alertsFile);
});
afterAll(async () => {
  await dev?.stop();
});

describe('overdue dev, end to end', () => {
  it('raises exactly the alerts the scenario calls for, through a poller restart mid-stream', async () => {
    const start = Date.now() + 300;
    let n = 0;
    const event = (cid: string, step: string, at: number, more: Record<string, unknown> = {}) =>
      JSON.stringify({
        eventId: more.eventId ?? `e-${++n}`,
        correlationId: cid,
        workflow: 'order',
        step,
        time: new Date(start + at).toISOString(),
        ...more,
      });
    const firstHalf = [
      event('o-ok', 'placed', 0, { attributes: { items: 1 } }),
      event('o-missing', 'placed', 0, { attributes: { items: 1 } }),
      event('o-fail', 'placed', 0),
      event('o-fan', 'placed', 0, { attributes: { items: 2 } }),
      event('o-late', 'placed', 0, { attributes: { items: 1 } }),
      event('o-ok', 'paid', 200),
      event('o-fan', 'paid', 100),
      event('o-fan', 'picked', 200, { eventId: 'fan-pick-1' }),
    ];
    const secondHalf = [
      event('o-ok', 'picked', 300),
      event('o-missing', 'picked', 300),
      event('o-fail', 'declined', 300),
      event('o-fan', 'picked', 200, { eventId: 'fan-pick-1' }), // the same pick again: still one of two
      event('o-late', 'picked', 200),
      event('o-late', 'paid', 1300), // late, inside the grace period
      event('o-ok', 'shipped', 600),
      event('o-late', 'shipped', 1500),
    ];
    const client = dev.emulators.kinesis;
    expect(await sendEvents(client, LOCAL_NAME, firstHalf)).toEqual({ sent: 8, failed: [] });
    await until(() => false, 500);
    // As after a crash: a new poller starts again from the oldest record, redelivering everything.
    dev.restartPoller();
    expect(await sendEvents(client, LOCAL_NAME, secondHalf)).toEqual({ sent: 8, failed: [] });

    const expected = [
      'o-fail workflow_failed declined',
      'o-fan step_overdue picked',
      'o-fan workflow_timed_out -',
      'o-late step_overdue paid',
      'o-missing step_overdue paid',
      'o-missing workflow_timed_out -',
    ];
    const distinct = () => [...new Map(dev.alerts.map((a) => [a.alertId, a])).values()];
    const seen = () =>
      distinct()
        .map((a) => `${a.correlationId} ${a.kind} ${a.step ?? '-'}`)
        .sort();
    await until(() => seen().length >= expected.length, 15_000);
    await until(() => false, 1_000); // and nothing more turns up
    expect(seen()).toEqual(expected);

    const stored = await dev.store.getInstances(
      ['o-ok', 'o-fan'].map((cid) => instancePk('order', cid)),
      { consistent: true },
    );
    const ok = stored.get(instancePk('order', 'o-ok'))?.instance;
    const fan = stored.get(instancePk('order', 'o-fan'))?.instance;
    expect(ok?.st).toBe('completed');
    expect(ok?.tl).toHaveLength(4); // every event once, despite the redelivery
    expect(fan?.hits?.picked).toHaveLength(1);
    expect(fan?.st).toBe('timed_out');
    expect(printed.some((line) => line.includes('STEP_OVERDUE') && line.includes('o-late'))).toBe(true);
    // A fan-out short of its count says how short.
    expect(printed.some((line) => /STEP_OVERDUE .* o-fan {2}picked {2}missing, 1 of 2, /.test(line))).toBe(
      true,
    );
    // --alerts: every record as published, one JSON line each.
    const lines = readFileSync(alertsFile, 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual(dev.alerts);
  }, 30_000);

  it('answers send, trace and quarantine list through the SDK endpoint variables it prints', async () => {
    for (const [name, value] of Object.entries({
      AWS_ENDPOINT_URL_KINESIS: dev.endpoints.kinesis,
      AWS_ENDPOINT_URL_DYNAMODB: dev.endpoints.dynamodb,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    }))
      vi.stubEnv(name, value);
    const dir = mkdtempSync(join(tmpdir(), 'overdue-send-'));
    const file = join(dir, 'events.ndjson');
    const now = Date.now();
    writeFileSync(
      file,
      [
        JSON.stringify({
          eventId: 't-1',
          correlationId: 'o-trace',
          workflow: 'order',
          step: 'placed',
          time: now,
          source: 'checkout',
          attributes: { items: 1 },
        }),
        '',
        '{"this is": "not an event"}',
        JSON.stringify({
          eventId: 't-2',
          correlationId: 'o-trace',
          workflow: 'order',
          step: 'paid',
          time: now + 250,
          traceId: '1-abc-def',
        }),
      ].join('\n'),
    );
    // A warm baseline for paid in the window before: 100 runs of 100–199 ms.
    const baseline = newWindow();
    for (let ms = 100; ms < 200; ms++) addSample(baseline, { ms, cold: false });
    const window = Math.floor(now / MIN);
    await new DynamoDbStore(dev.emulators.dynamodb, LOCAL_NAME).putLatencyShare(
      { workflow: 'order', windowMs: MIN, index: window - 1 },
      'shard-test',
      { paid: encodeWindow(baseline) },
      0,
      now + 3_600_000,
    );
    const sent = await cli(['send', '--events', file]);
    expect(sent.stdout).toBe('sent 3 events to overdue-local (1 blank lines skipped)\n');
    expect(sent.code).toBe(0);

    await until(() => printed.some((l) => l.includes('record quarantined')), 5_000);
    const config = dev.config.file;
    let traced = await cli(['trace', 'o-trace', '--config', config]);
    for (let i = 0; i < 30 && !traced.stdout.includes('paid'); i++) {
      await until(() => false, 100);
      traced = await cli(['trace', 'o-trace', '--config', config]);
    }
    expect(traced.code).toBe(0);
    expect(traced.stdout).toMatch(/^order {2}o-trace {2}running/);
    expect(traced.stdout).toContain('+250ms  paid');
    expect(traced.stdout).toContain('1-abc-def');
    expect(traced.stdout).toMatch(/paid +done .* on time, 750ms to spare/);
    // paid took 250 ms, against the baseline written above (100 runs of 100–199 ms) merged with any
    // runs of the first test that fell in the same minute.
    const verdict =
      /took 250ms \(warm\): (BEYOND|within) its warm baseline \(p99 (.+) over (\d+) runs\)/.exec(
        traced.stdout,
      );
    expect(verdict).not.toBeNull();
    expect(Number(verdict?.[3])).toBeGreaterThanOrEqual(100);
    expect(traced.stdout).toMatch(/picked +pending {2}deadline .*, final at /);

    const listed = await cli(['quarantine', 'list', '--since', '5m', '--json']);
    const entries = JSON.parse(listed.stdout);
    expect(entries.map((e: { reason: string; payload: string }) => [e.reason, e.payload])).toContainEqual([
      'bad_shape',
      '{"this is": "not an event"}',
    ]);
    expect((await cli(['trace', 'o-nobody', '--config', config])).code).toBe(1);
    // Against a table that is not dev mode's, trace cannot know the workflow file: it asks for it.
    await createTable(dev.emulators.dynamodb, 'deployed-elsewhere');
    const elsewhere = await cli(['trace', 'o-trace', '--table', 'deployed-elsewhere']);
    expect(elsewhere).toMatchObject({ code: 2, stdout: '' });
    expect(elsewhere.stderr).toBe(
      'overdue: --config FILE is required: the workflow file the monitor with table deployed-elsewhere runs\n',
    );
    // Against dev mode, trace needs no --config: dev notes the file it runs in its table.
    const plain = await cli(['trace', 'o-trace']);
    expect(plain.stdout).toMatch(/^order {2}o-trace {2}running/);
    const json = JSON.parse((await cli(['trace', 'o-trace', '--json'])).stdout);
    expect(json.instances[0]).toMatchObject({
      workflow: 'order',
      correlationId: 'o-trace',
      status: 'running',
    });
    expect(json.instances[0].steps.map((s: { step: string }) => s.step)).toEqual([
      'paid',
      'picked',
      'shipped',
    ]);
    const judged = json.instances[0].steps[0].baseline;
    expect(judged).toMatchObject({ ms: 250, start: 'warm' });
    expect(judged.runs).toBeGreaterThanOrEqual(100);
    expect(judged.within).toBe(250 <= judged.p99);
    expect(verdict?.[1]).toBe(judged.within ? 'within' : 'BEYOND');
    expect(json.instances[0].steps[1].baseline).toBeNull();

    // A silence: set, listed, shown by trace, expired.
    const set = await cli([
      'silence',
      '--workflow',
      'order',
      '--step',
      'picked',
      '--for',
      '2h',
      '--reason',
      'picker down',
    ]);
    expect(set.code).toBe(0);
    const id = /^silenced: (s-[0-9a-f]{6}) {2}order picked {2}until /.exec(set.stdout)?.[1] as string;
    expect(id).toBeDefined();
    expect((await cli(['silence', 'list'])).stdout).toContain(`${id}  order picked  until`);
    expect((await cli(['trace', 'o-trace'])).stdout).toContain(`silenced now: ${id} picked until`);
    expect((await cli(['silence', 'expire', id])).stdout).toBe(`expired ${id}\n`);
    expect((await cli(['silence', 'list'])).stdout).toBe('no active silences\n');
    const bad = await cli(['silence', '--workflow', 'order', '--for', '2h']);
    expect(bad).toMatchObject({ code: 2 });
    expect(bad.stderr).toContain('--reason TEXT is required');
  }, 30_000);

  it('raises for a backfill of hours-old events exactly what replay --drain raises for the file', async () => {
    for (const [name, value] of Object.entries({
      AWS_ENDPOINT_URL_KINESIS: dev.endpoints.kinesis,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    }))
      vi.stubEnv(name, value);
    const start = Date.now() - 2 * 3_600_000; // a producer that was down for two hours catches up
    let n = 0;
    const event = (cid: string, step: string, at: number, more: Record<string, unknown> = {}) =>
      JSON.stringify({
        eventId: `b-${++n}`,
        correlationId: cid,
        workflow: 'order',
        step,
        time: start + at,
        ...more,
      });
    const recording = [
      event('b-ok', 'placed', 0, { attributes: { items: 1 } }),
      event('b-nopay', 'placed', 100, { attributes: { items: 1 } }),
      event('b-fail', 'placed', 150),
      event('b-ok', 'paid', 300),
      event('b-fail', 'paid', 350, { status: 'failed' }),
      event('b-fail', 'declined', 400),
      event('b-ok', 'picked', 500),
      event('b-nopay', 'picked', 600),
      event('b-ok', 'shipped', 900),
      event('b-slow', 'placed', 1000, { attributes: { items: 1 } }),
      event('b-slow', 'paid', 1500),
      event('b-slow', 'picked', 1600),
      event('b-slow', 'shipped', 6000), // after its 4 s deadline: timed out, then completed late
    ];
    const dir = mkdtempSync(join(tmpdir(), 'overdue-backfill-'));
    const file = join(dir, 'recording.ndjson');
    writeFileSync(file, `${recording.join('\n')}\n`);
    expect((await cli(['send', '--events', file])).code).toBe(0);

    const replayed = JSON.parse(
      (await cli(['replay', '--config', dev.config.file, '--events', file, '--drain', '--json'])).stdout,
    ) as {
      alerts: {
        correlationId: string;
        kind: string;
        step: string | null;
        status: string;
        missing: string[];
      }[];
    };
    const identity = (a: {
      correlationId: string;
      kind: string;
      step: string | null;
      status: string;
      missing: string[];
      state?: string;
    }) =>
      `${a.correlationId} ${a.kind} ${a.step ?? '-'} ${a.status} [${a.missing.join(',')}]${a.state ? ` ${a.state}` : ''}`;
    const expected = replayed.alerts.map(identity).sort();
    expect(expected.length).toBeGreaterThanOrEqual(5);
    const backfilled = () =>
      [
        ...new Map(
          dev.alerts.filter((a) => a.correlationId.startsWith('b-')).map((a) => [messageKey(a), a]),
        ).values(),
      ]
        .map(identity)
        .sort();
    await until(() => backfilled().length >= expected.length, 15_000);
    await until(() => false, 1_500); // and nothing more turns up
    expect(backfilled()).toEqual(expected);
  }, 30_000);
});
