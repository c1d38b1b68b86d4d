import { beforeAll, expect, it } from 'vitest';
import type { Emulators } from '../../src/local/emulators.js';
import { ev, MIN, T0 } from '../helpers.js';
import { describeOnEachStore } from '../support/dynamodb-local.js';
import { harness } from './harness.js';

const EXPECTED = ['step_overdue:paid', 'step_overdue:picked', 'workflow_timed_out'];
const cids = Array.from({ length: 24 }, (_, i) => `o-w${i}`);

describeOnEachStore('sweeper with parallel workers', (emulators) => {
  let emu: Emulators;
  beforeAll(() => {
    emu = emulators();
  });

  it('deals the index partitions to its workers at its own T, and raises every alert exactly once', async () => {
    const h = await harness(emu, { sweepWorkers: 3 });
    await h.send(cids.map((cid) => ev('placed', 0, { cid, attributes: { items: 1 } })));
    await h.poller.drain();
    for (let at = 1; at <= 20; at++) await h.tick(T0 + at * MIN);

    const got = h.published.map((a) => `${a.correlationId} ${a.step ? `${a.kind}:${a.step}` : a.kind}`);
    expect(got.sort()).toEqual(cids.flatMap((cid) => EXPECTED.map((k) => `${cid} ${k}`)).sort());
    expect(new Set(h.published.map((a) => a.alertId)).size).toBe(h.published.length);
    // Three workers a sweep, the 16 partitions split between them, none twice.
    const sweeps = h.invocations.length / 3;
    expect(sweeps).toBe(20);
    const first = h.invocations.slice(0, 3);
    expect(first.flatMap((i) => i.partitions).sort()).toEqual(
      Array.from({ length: 16 }, (_, n) => `D#${n}`).sort(),
    );
    expect(first.map((i) => i.partitions.length).sort()).toEqual([5, 5, 6]);
    // Workers judge at the T the coordinator read from the watermarks, which it reports too.
    const last = await h.sweep(T0 + 21 * MIN);
    expect(h.invocations.at(-1)?.observed).toBe(last.observed);
  });

  it('loses nothing when a worker fails: its partitions are read again by the next sweep', async () => {
    const h = await harness(emu, { sweepWorkers: 4 });
    await h.send(cids.map((cid) => ev('placed', 0, { cid, attributes: { items: 1 } })));
    await h.poller.drain();
    for (let at = 1; at <= 2; at++) await h.tick(T0 + at * MIN);
    // paid is due at +2m: the sweep at +3m judges it, with one worker of four crashing.
    h.failWorkers(1);
    const failed = await h.tick(T0 + 3 * MIN);
    expect(failed.failed).toBe(1);
    expect(h.metrics.counts.get('sweepFailures')).toBe(1);
    const before = h.published.length;
    expect(before).toBeLessThan(cids.length);
    await h.tick(T0 + 4 * MIN);
    expect(
      h.published
        .filter((a) => a.step === 'paid')
        .map((a) => a.correlationId)
        .sort(),
    ).toEqual([...cids].sort());
    expect(new Set(h.published.map((a) => a.alertId)).size).toBe(h.published.length);
  });
});
