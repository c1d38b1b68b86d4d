import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { beforeAll, expect, it } from 'vitest';
import { messageKey } from '../../src/engine/alert.js';
import type { Emulators } from '../../src/local/emulators.js';
import { parseWorkflowFile } from '../../src/workflow/load.js';
import { line, MIN, T0 } from '../helpers.js';
import { describeOnEachStore } from '../support/dynamodb-local.js';
import { harness } from './harness.js';

const config = parseWorkflowFile(
  `
version: 1
defaults: { grace: 30s }
workflows:
  order:
    start: placed
    deadline: 1h
    steps:
      paid: { within: 2m }
    complete: [paid]
    fail: [declined]
`,
  'incidents.yml',
);

/** `n` orders placed at `at` (a millisecond apart), none of them ever paid. */
async function placeOrders(emu: Emulators, stream: string, prefix: string, n: number, at: number) {
  for (let i = 0; i < n; i += 500) {
    const records = [];
    for (let j = i; j < Math.min(n, i + 500); j++) {
      records.push({
        Data: Buffer.from(
          line({ step: 'placed', at: at + j, cid: `${prefix}-${j}`, eventId: `${prefix}-${j}` }),
        ),
        PartitionKey: `${prefix}-${j}`,
      });
    }
    await emu.kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: records }));
  }
}

/**
 * The wake-up index is a global secondary index: eventually consistent, and on a loaded machine
 * DynamoDB Local can take a moment to show a burst of new items. The sweeps that follow are minutes
 * apart in event time but milliseconds in real time, so they wait for it once.
 */
const indexSettles = () => new Promise((resolve) => setTimeout(resolve, 500));

describeOnEachStore('incidents instead of alert storms', (emulators) => {
  let emu: Emulators;
  beforeAll(() => {
    emu = emulators();
  });

  it('2,000 instances losing the same step make one incident that opens and resolves, not 2,000 messages', async () => {
    const h = await harness(emu, { config, shards: 2, batchSize: 500 });
    await placeOrders(emu, h.stream, 'o', 2000, 0);
    await h.poller.drain();
    await indexSettles();
    for (let at = 1; at <= 6; at++) await h.tick(T0 + at * MIN);

    const kinds = h.published.map((a) => `${a.kind}${a.state ? ` ${a.state}` : ''}`);
    // The threshold's worth one by one, and the incident (pages go out concurrently, so in any
    // order), then its resolution after a quiet minute.
    expect([...kinds].sort()).toEqual([
      'incident',
      'incident resolved',
      ...Array.from({ length: 5 }, () => 'step_overdue'),
    ]);
    expect(kinds.at(-1)).toBe('incident resolved');
    const [opened, resolved] = h.published.filter((a) => a.kind === 'incident');
    expect(opened?.incident).toMatchObject({ of: 'step_overdue', update: 0 });
    expect(resolved?.alertId).toBe(opened?.alertId);
    expect(resolved?.incident).toMatchObject({ of: 'step_overdue', count: 2000 });
    expect(resolved?.incident?.correlationIds).toHaveLength(50);
    expect(resolved?.step).toBe('paid');
    // Every instance has its alert recorded, published or attached; none is left in an outbox.
    const stored = await h.store.getInstances(
      Array.from({ length: 2000 }, (_, j) => h.store.instanceKey('order', `o-${j}`)),
      { consistent: true },
    );
    expect([...stored.values()].filter((s) => s.instance.fired?.includes('step_overdue:paid'))).toHaveLength(
      2000,
    );
    expect([...stored.values()].filter((s) => s.pending.length > 0)).toEqual([]);
    expect(h.metrics.counts.get('alertsAttached')).toBe(1995);
    const state = await h.store.getIncidents();
    expect(state.open).toEqual({});
    expect(state.pending).toEqual([]);
    expect(state.recent[0]?.id).toBe(opened?.alertId);
  });

  it('a handful of failures go out one by one; an incident survives new containers and is published once', async () => {
    const h = await harness(emu, { config, shards: 1, batchSize: 500 });
    await placeOrders(emu, h.stream, 'few', 3, 0);
    await h.poller.drain();
    for (let at = 1; at <= 4; at++) await h.tick(T0 + at * MIN);
    expect(h.published.map((a) => a.kind)).toEqual(['step_overdue', 'step_overdue', 'step_overdue']);

    // A storm: its incident opens in this sweeper; a new one (a restart, no cache) carries on.
    await placeOrders(emu, h.stream, 'storm', 300, 5 * MIN);
    await h.poller.drain();
    await indexSettles();
    for (let at = 5; at <= 9; at++) await h.tick(T0 + at * MIN);
    expect(h.published.filter((a) => a.kind === 'incident')).toHaveLength(1);
    h.sweeperDeps.cache = {};
    for (let at = 10; at <= 12; at++) await h.tick(T0 + at * MIN);
    const storm = h.published.slice(3);
    const stormKinds = storm.map((a) => `${a.kind}${a.state ? ` ${a.state}` : ''}`);
    expect([...stormKinds].sort()).toEqual([
      'incident',
      'incident resolved',
      'step_overdue',
      'step_overdue',
      'step_overdue',
      'step_overdue',
      'step_overdue',
    ]);
    expect(stormKinds.at(-1)).toBe('incident resolved');
    expect(new Set(h.published.map(messageKey)).size).toBe(h.published.length);
    expect(storm.at(-1)?.incident?.count).toBe(300);
  });

  it('alerts the consumer raises group the same way, across a consumer restart mid-storm', async () => {
    const h = await harness(emu, { config, shards: 2, batchSize: 100 });
    const declines = async (from: number, to: number) => {
      const records = [];
      for (let j = from; j < to; j++) {
        for (const step of ['placed', 'declined'])
          records.push({
            Data: Buffer.from(
              line({
                step,
                at: j * 10 + (step === 'declined' ? 5 : 0),
                cid: `d-${j}`,
                eventId: `d-${j}-${step}`,
              }),
            ),
            PartitionKey: `d-${j}`,
          });
      }
      await emu.kinesis.send(new PutRecordsCommand({ StreamName: h.stream, Records: records }));
      await h.poller.drain();
    };
    await declines(0, 100);
    // A new consumer container: nothing of the incident is in memory, all of it in the table.
    h.consumerDeps.cache = { watermarks: new Map() };
    await declines(100, 200);
    for (let at = 1; at <= 3; at++) await h.tick(T0 + at * MIN);
    const kinds = h.published.map((a) => `${a.kind}${a.state ? ` ${a.state}` : ''}`);
    expect([...kinds].sort()).toEqual([
      'incident',
      'incident resolved',
      ...Array.from({ length: 5 }, () => 'workflow_failed'),
    ]);
    expect(h.published.find((a) => a.state === 'resolved')?.incident).toMatchObject({
      of: 'workflow_failed',
      count: 200,
    });
  });
});
