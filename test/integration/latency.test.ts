import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { beforeAll, expect, it } from 'vitest';
import type { Emulators } from '../../src/local/emulators.js';
import { parseWorkflowFile } from '../../src/workflow/load.js';
import { MIN, SEC, T0 } from '../helpers.js';
import { describeOnEachStore } from '../support/dynamodb-local.js';
import { harness } from './harness.js';

const config = parseWorkflowFile(
  `
version: 1
defaults: { grace: 5s }
workflows:
  order:
    start: placed
    deadline: 15m
    latency: { factor: 2, minSamples: 20, window: 1m, baseline: 3 }
    steps:
      paid: { within: 2m }
    complete: [paid]
`,
  'latency.yml',
);

/** 30 orders in minute `m` (one every 2 s), `paid` after 600–1,000 ms times `slow`. */
function minuteOfOrders(m: number, slow: number) {
  const records = [];
  for (let i = 0; i < 30; i++) {
    const start = T0 + m * MIN + i * 2 * SEC;
    const ms = (600 + ((i * 7919) % 401)) * slow;
    const event = (step: string, at: number) =>
      JSON.stringify({
        eventId: `${step}-${m}-${i}`,
        correlationId: `o-${m}-${i}`,
        workflow: 'order',
        step,
        time: new Date(at).toISOString(),
        coldStart: false,
      });
    // Partition keys spread the orders over both shards: each consumer shard keeps its own share.
    records.push({ Data: Buffer.from(event('placed', start)), PartitionKey: `o-${m}-${i}` });
    records.push({ Data: Buffer.from(event('paid', start + ms)), PartitionKey: `o-${m}-${i}` });
  }
  return records;
}

describeOnEachStore('learned latency baselines on the live path', (emulators) => {
  let emu: Emulators;
  beforeAll(() => {
    emu = emulators();
  });

  it('merges the shards’ shares per window and raises one latency_shift for the window that tripled', async () => {
    const h = await harness(emu, { config, shards: 2 });
    for (let m = 0; m < 7; m++) {
      await emu.kinesis.send(
        new PutRecordsCommand({ StreamName: h.stream, Records: minuteOfOrders(m, m === 5 ? 3 : 1) }),
      );
      await h.poller.drain();
      // T passes the minute's end plus grace: the next sweep judges that window.
      await h.tick(T0 + (m + 1) * MIN + 10 * SEC);
    }
    await h.tick(T0 + 8 * MIN + 10 * SEC);

    const shifts = h.published.filter((a) => a.kind === 'latency_shift');
    // A run counts in the window its step was done in: the last order of minute 5, tripled, is
    // done in minute 6.
    expect(shifts.map((a) => [a.step, a.latency?.windowStart, a.latency?.runs])).toEqual([
      ['paid', new Date(T0 + 5 * MIN).toISOString(), 29],
    ]);
    expect(shifts[0]?.latency?.baseline.count).toBe(90);
    expect(h.published.filter((a) => a.kind !== 'latency_shift')).toEqual([]);
    expect(h.metrics.counts.get('latencyWriteFailures')).toBeUndefined();
    const state = await h.store.getLatencyState();
    expect(state.judged['order/60000']).toBe(Math.floor(T0 / MIN) + 6);
    expect(state.pending).toEqual([]);
    const shares = await h.store.latencyShares({
      workflow: 'order',
      windowMs: MIN,
      index: Math.floor(T0 / MIN) + 5,
    });
    // One share per consumer shard, each written by that shard alone.
    expect(shares).toHaveLength(2);
  });
});
