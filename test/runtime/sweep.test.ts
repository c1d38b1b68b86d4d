import { describe, expect, it } from 'vitest';
import type { MonitorState, StateStore } from '../../src/runtime/ports.js';
import { type SweeperDeps, sweepRepeatedly } from '../../src/runtime/sweep.js';
import { orderConfig } from '../helpers.js';

/** A table with nothing due: what is measured here is the loop, not the work. */
function emptyStore(): StateStore {
  const monitor: MonitorState = { lagging: false, since: undefined, firstRun: 0, version: 1, pending: [] };
  return {
    getInstances: async () => new Map(),
    putInstance: async () => {},
    clearPending: async () => true,
    quarantine: async () => {},
    getWatermarks: async () => new Map([['s-0', 0]]),
    advanceWatermark: async () => {},
    async *dueKeys() {},
    getMonitor: async () => ({ ...monitor }),
    putMonitor: async () => {},
    getHeartbeatKey: async () => new Uint8Array(32),
    createHeartbeatKey: async (key) => key,
  };
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
