import { describe, expect, it } from 'vitest';
import { consumeBatch } from '../../src/runtime/consume-batch.js';
import { type SweeperDeps, sweep, sweepRepeatedly } from '../../src/runtime/sweep.js';
import { ev, line, MIN, orderConfig, T0 } from '../helpers.js';
import { MemoryStore } from '../support/memory-store.js';
import { emptyStore, loopDeps } from '../support/sweeper-deps.js';

describe('sweepRepeatedly', () => {
  it('sweeps every interval while another whole interval fits before the stop time', async () => {
    let now = 0;
    const beats: number[] = [];
    const deps = loopDeps(
      () => now,
      () => {
        beats.push(now);
        now += 300; // each sweep takes 0.3 s
      },
    );
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

  it('lets the last sweep start nearer the stop time when it needs less than an interval', async () => {
    const beats: number[] = [];
    let now = 0;
    const deps = loopDeps(
      () => now,
      () => beats.push(now),
    );
    const sleep = async (ms: number) => {
      now += ms;
    };
    await sweepRepeatedly(deps, { everyMs: 5_000, stopBy: 59_500, minSweepMs: 4_000, sleep });
    // Every 5 s up to 55 s: the next invocation's first sweep at 60 s is 5 s later, like the rest.
    expect(beats).toEqual(Array.from({ length: 12 }, (_, i) => i * 5_000));
  });
});

describe('sweep', () => {
  it('publishes each page’s alerts as soon as that page is committed, not at the end of the sweep', async () => {
    const store = new MemoryStore();
    store.key = new Uint8Array(32);
    const consumerDeps = {
      config: orderConfig(),
      store,
      publisher: { publish: async () => ({ published: new Set<string>(), failed: [] }) },
      metrics: { count() {}, timing() {}, gauge() {} },
      logger: { info() {}, warn() {}, error() {} },
      clock: () => T0,
      quarantineRetentionMs: 1,
      logPayloads: false,
      maxSkewMs: 120_000,
    };
    let seq = 1;
    for (const cid of ['o-1', 'o-2']) {
      await consumeBatch(
        [
          {
            shardId: 's-0',
            sequenceNumber: String(seq++),
            arrival: Date.now(),
            data: Buffer.from(line(ev('placed', 0, { cid, attributes: { items: 1 } }))),
          },
        ],
        consumerDeps,
      );
    }
    store.watermarks.set('s-0', T0 + 5 * MIN);
    // Two pages of one key each; the first page's alert must be out before the second page is read.
    const pages: string[][] = [['I#order#o-1'], ['I#order#o-2']];
    const events: string[] = [];
    store.dueKeys = async function* () {
      for (const page of pages) {
        events.push(`page ${page[0]}`);
        yield page;
      }
    };
    const gauges: number[] = [];
    const deps: SweeperDeps = {
      config: orderConfig(),
      store,
      publisher: {
        publish: async (alerts) => {
          events.push(`publish ${alerts.map((a) => a.correlationId).join(',')}`);
          return { published: new Set(alerts.map((a) => a.alertId)), failed: [] };
        },
      },
      heartbeats: { shards: async () => [{ id: 's-0', parents: [], open: true }], beat: async () => {} },
      metrics: { count() {}, timing() {}, gauge: (_name, value) => void gauges.push(value) },
      logger: { info() {}, warn() {}, error() {} },
      clock: () => T0 + 6 * MIN,
      lagThresholdMs: 3_600_000,
      lagSeverity: 'high',
      streamName: 's',
      cache: {},
    };
    const result = await sweep(deps, Number.POSITIVE_INFINITY);
    expect(events).toEqual(['page I#order#o-1', 'publish o-1', 'page I#order#o-2', 'publish o-2']);
    expect(result.alerts).toBe(2);
    expect(gauges).toEqual([0]); // everything went out
  });

  describe('waiting for its own heartbeats', () => {
    function waiting(consumerDelayMs: number | undefined) {
      let now = T0;
      const store = emptyStore();
      store.key = new Uint8Array(32);
      const reads: number[] = [];
      const original = store.getWatermarks.bind(store);
      store.getWatermarks = async () => {
        reads.push(now);
        return original();
      };
      let beatAt: number | undefined;
      const deps: SweeperDeps = {
        ...loopDeps(
          () => now,
          () => {
            beatAt = now;
          },
          store,
        ),
        awaitHeartbeatsMs: 3_000,
        // The consumer folds the heartbeat `consumerDelayMs` after it was put (never, if undefined).
        sleep: async (ms) => {
          now += ms;
          if (beatAt !== undefined && consumerDelayMs !== undefined && now - beatAt >= consumerDelayMs) {
            store.watermarks.set('s-0', beatAt);
          }
        },
      };
      store.watermarks.set('s-0', T0 - 60_000); // the previous sweep's heartbeat
      return { deps, reads };
    }

    it('judges at its own start once the consumer has folded its heartbeats', async () => {
      const { deps, reads } = waiting(1_200);
      const result = await sweep(deps, Number.POSITIVE_INFINITY);
      expect(result.observed).toBe(T0);
      // Read at once, then every 250 ms until the round trip (1.2 s) is done.
      expect(reads.map((t) => t - T0)).toEqual([0, 250, 500, 750, 1000, 1250]);
    });

    it('judges at the T already recorded when the round trip takes longer than it waits', async () => {
      const { deps, reads } = waiting(undefined);
      const result = await sweep(deps, Number.POSITIVE_INFINITY);
      expect(result.observed).toBe(T0 - 60_000);
      expect(reads.at(-1)).toBe(T0 + 3_000);
    });

    it('does not wait past its stop time, nor when it could not put heartbeats', async () => {
      const late = waiting(undefined);
      await sweep(late.deps, T0 + 500);
      expect(late.reads.at(-1)).toBe(T0 + 500);
      const failing = waiting(1_200);
      failing.deps.heartbeats.beat = async () => {
        throw new Error('throttled');
      };
      const result = await sweep(failing.deps, Number.POSITIVE_INFINITY);
      expect(failing.reads).toEqual([T0]);
      expect(result.heartbeats).toBe(false);
    });
  });
});
