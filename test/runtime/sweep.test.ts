import { describe, expect, it } from 'vitest';
import { type SweeperDeps, sweepRepeatedly } from '../../src/runtime/sweep.js';
import { orderConfig } from '../helpers.js';
import { MemoryStore } from '../support/memory-store.js';

/** A table with nothing due: what is measured here is the loop, not the work. */
function emptyStore(): MemoryStore {
  const store = new MemoryStore();
  store.watermarks.set('s-0', 0);
  store.monitor = { lagging: false, since: undefined, firstRun: 0, version: 1, pending: [] };
  return store;
}

describe('sweepRepeatedly', () => {
  it('sweeps every interval while another whole interval fits before the stop time', async () => {
    let now = 0;
    const beats: number[] = [];
    const deps: SweeperDeps = {
      config: orderConfig(),
      store: emptyStore(),
      publisher: { publish: async () => ({ published: new Set(), failed: [] }) },
      heartbeats: {
        shards: async () => [{ id: 's-0', parents: [], open: true }],
        beat: async () => {
          beats.push(now);
          now += 300; // each sweep takes 0.3 s
        },
      },
      metrics: { count() {}, timing() {}, gauge() {} },
      logger: { info() {}, warn() {}, error() {} },
      clock: () => now,
      lagThresholdMs: 3_600_000,
      lagSeverity: 'high',
      streamName: 's',
    };
    const sleep = async (ms: number) => {
      now += ms;
    };
    const results = await sweepRepeatedly(deps, { everyMs: 10_000, stopBy: 55_000, sleep });
    expect(beats).toEqual([0, 10_000, 20_000, 30_000, 40_000]);
    expect(results).toHaveLength(5);

    beats.length = 0;
    now = 0;
    await sweepRepeatedly(deps, { everyMs: 0, stopBy: 55_000, sleep });
    expect(beats).toEqual([0]); // 0: once per invocation
  });
});
