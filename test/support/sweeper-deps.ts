import type { SweeperDeps } from '../../src/runtime/sweep.js';
import { orderConfig } from '../helpers.js';
import { MemoryStore } from './memory-store.js';

/** A table with nothing due, one shard with a watermark and a monitor item. */
export function emptyStore(): MemoryStore {
  const store = new MemoryStore();
  store.watermarks.set('s-0', 0);
  store.monitor = { lagging: false, since: undefined, firstRun: 0, version: 1, pending: [] };
  return store;
}

/**
 * A sweeper over one open shard with silent observability and a topic that accepts nothing: for
 * tests of the sweep loop and its timing rather than of the alerts. `beat` sees each heartbeat put.
 */
export function loopDeps(
  clock: () => number,
  beat: () => void = () => {},
  store: MemoryStore = emptyStore(),
): SweeperDeps {
  return {
    config: orderConfig(),
    store,
    publisher: { publish: async () => ({ published: new Set(), failed: [] }) },
    heartbeats: {
      shards: async () => [{ id: 's-0', parents: [], open: true }],
      beat: async () => beat(),
    },
    metrics: { count() {}, timing() {}, gauge() {} },
    logger: { info() {}, warn() {}, error() {} },
    clock,
    lagThresholdMs: 3_600_000,
    lagSeverity: 'high',
    streamName: 's',
    cache: {},
  };
}
