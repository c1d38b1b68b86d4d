import { describe, expect, it } from 'vitest';
import { type ConsumerDeps, consumeBatch, type StreamRecord } from '../../src/runtime/consume-batch.js';
import { heartbeatRecord } from '../../src/runtime/heartbeat.js';
import type { MetricsSink } from '../../src/runtime/ports.js';
import { type SweeperDeps, sweep } from '../../src/runtime/sweep.js';
import { StoreError } from '../../src/store/errors.js';
import { parseWorkflowFile } from '../../src/workflow/load.js';
import { ev, line, MIN, ORDER_YAML, orderConfig, T0 } from '../helpers.js';
import { MemoryStore } from '../support/memory-store.js';

const KEY = new Uint8Array(32).fill(3);
const quiet = { info() {}, warn() {}, error() {} };

function counting() {
  const counts = new Map<string, number>();
  const metrics: MetricsSink = {
    count: (name, value = 1) => counts.set(name, (counts.get(name) ?? 0) + value),
    timing() {},
    gauge() {},
  };
  return { counts, metrics };
}

function consumer(store: MemoryStore, now = T0 + 10 * MIN) {
  const { counts, metrics } = counting();
  const deps: ConsumerDeps = {
    config: orderConfig(),
    store,
    publisher: {
      publish: async (alerts) => ({ published: new Set(alerts.map((a) => a.alertId)), failed: [] }),
    },
    metrics,
    logger: quiet,
    clock: () => now,
    quarantineRetentionMs: 86_400_000,
    logPayloads: false,
    maxSkewMs: 120_000,
    cache: { watermarks: new Map() },
  };
  return { deps, counts };
}

let seq = 100n;
/** Records of one shard, in order: a string is a raw payload, a number a genuine heartbeat. */
const records = (...items: (string | number | ReturnType<typeof ev>)[]): StreamRecord[] =>
  items.map((item) => ({
    shardId: 's-0',
    sequenceNumber: String(seq++),
    arrival: Date.now(),
    data: Buffer.from(
      typeof item === 'number' ? heartbeatRecord(item, KEY) : typeof item === 'string' ? item : line(item),
    ),
  }));

const storeWithKey = () => {
  const store = new MemoryStore();
  store.key = KEY;
  return store;
};

describe('consumer failure paths (in-memory store with faults)', () => {
  it('a failed quarantine reports the invalid record as failed and holds the watermark before it', async () => {
    const store = storeWithKey().failNext('quarantine');
    const batch = records(T0 + MIN, '{"not json', ev('placed', 0, { cid: 'o-1' }), T0 + 2 * MIN);
    const { deps } = consumer(store);
    const result = await consumeBatch(batch, deps);
    expect(result.failedSequenceNumber).toBe(batch[1]?.sequenceNumber);
    expect(store.watermarks.get('s-0')).toBe(T0 + MIN); // not the heartbeat after the failure
    expect(store.rows.has('I#order#o-1')).toBe(true); // the valid event is in nonetheless
  });

  it('a failed read retries the whole batch from its first instance, and records no watermark after it', async () => {
    const store = storeWithKey().failNext('getInstances');
    const batch = records(ev('placed', 0, { cid: 'o-1' }), T0 + MIN);
    const result = await consumeBatch(batch, consumer(store).deps);
    expect(result.failedSequenceNumber).toBe(batch[0]?.sequenceNumber);
    expect(store.watermarks.size).toBe(0);
    expect(store.rows.size).toBe(0);
  });

  it('a failed watermark write reports the heartbeat as failed; the events stay committed', async () => {
    const store = storeWithKey().failNext('advanceWatermark');
    const batch = records(ev('placed', 0, { cid: 'o-1' }), T0 + MIN);
    const result = await consumeBatch(batch, consumer(store).deps);
    expect(result.failedSequenceNumber).toBe(batch[1]?.sequenceNumber);
    expect(store.rows.has('I#order#o-1')).toBe(true);
  });

  it('a failed write retries that instance only; the others commit, and the failure is counted', async () => {
    const store = storeWithKey();
    let failed = false;
    store.beforeWrite = (key) => {
      if (key === 'I#order#o-bad' && !failed) {
        failed = true;
        throw new StoreError('PutItem failed: InternalServerError');
      }
    };
    const batch = records(ev('placed', 0, { cid: 'o-good' }), ev('placed', 0, { cid: 'o-bad' }), T0 + MIN);
    const { deps, counts } = consumer(store);
    const result = await consumeBatch(batch, deps);
    expect(result.failedSequenceNumber).toBe(batch[1]?.sequenceNumber);
    expect(store.rows.has('I#order#o-good')).toBe(true);
    expect(store.rows.has('I#order#o-bad')).toBe(false);
    expect(store.watermarks.size).toBe(0); // the heartbeat came after the failure
    expect(counts.get('commitFailures')).toBe(1);
  });

  it('a version conflict re-reads and re-applies: both writers’ events are in', async () => {
    const store = storeWithKey();
    await consumeBatch(
      records(ev('placed', 0, { cid: 'o-1', attributes: { items: 2 } })),
      consumer(store).deps,
    );
    let raced = false;
    store.beforeWrite = async (key) => {
      if (raced || key !== 'I#order#o-1') return;
      raced = true;
      store.beforeWrite = undefined;
      await consumeBatch(records(ev('picked', MIN, { cid: 'o-1' })), consumer(store).deps);
    };
    const { deps, counts } = consumer(store);
    await consumeBatch(records(ev('paid', 30_000, { cid: 'o-1' })), deps);
    expect(counts.get('versionConflicts')).toBe(1);
    const stored = (await store.getInstances(['I#order#o-1'])).get('I#order#o-1');
    expect(Object.keys(stored?.instance.done ?? {}).sort()).toEqual(['paid', 'placed']);
    expect(stored?.instance.hits?.picked).toEqual([T0 + MIN]);
  });

  it('never lets the watermark pass a record that was not processed, wherever the failure falls', async () => {
    for (let failAt = 0; failAt < 4; failAt++) {
      const store = storeWithKey();
      const batch = records(
        ev('placed', 0, { cid: 'o-a' }),
        T0 + MIN,
        ev('placed', 0, { cid: 'o-b' }),
        T0 + 2 * MIN,
      );
      const failing = ['I#order#o-a', 'I#order#o-b'][failAt % 2] as string;
      store.beforeWrite = (key) => {
        if (key === failing) throw new StoreError('PutItem failed');
      };
      const result = await consumeBatch(batch, consumer(store).deps);
      const failedSeq = BigInt(result.failedSequenceNumber as string);
      const mark = store.watermarks.get('s-0');
      // Every heartbeat at or after the failure is unrecorded.
      const recorded = batch.filter((r, i) => (i === 1 || i === 3) && BigInt(r.sequenceNumber) < failedSeq);
      expect(mark).toBe(recorded.length === 0 ? undefined : T0 + MIN);
    }
  });
});

function sweeper(store: MemoryStore, yaml = ORDER_YAML, now = T0 + 10 * MIN) {
  const { counts, metrics } = counting();
  const deps: SweeperDeps = {
    config: parseWorkflowFile(yaml, 'order.yml'),
    store,
    publisher: {
      publish: async (alerts) => ({ published: new Set(alerts.map((a) => a.alertId)), failed: [] }),
    },
    heartbeats: { shards: async () => [{ id: 's-0', parents: [], open: true }], beat: async () => {} },
    metrics,
    logger: quiet,
    clock: () => now,
    lagThresholdMs: 3_600_000,
    lagSeverity: 'high',
    streamName: 'telemetry',
    cache: {},
  };
  return { deps, counts };
}

describe('sweeper failure paths (in-memory store with faults)', () => {
  const seed = async (store: MemoryStore, ...cids: string[]) => {
    for (const cid of cids) {
      await consumeBatch(records(ev('placed', 0, { cid, attributes: { items: 1 } })), consumer(store).deps);
    }
    store.watermarks.set('s-0', T0 + 5 * MIN);
  };

  it('stops taking work at its time limit and leaves the rest due', async () => {
    const store = storeWithKey();
    await seed(store, 'o-1');
    const result = await sweep(sweeper(store).deps, T0); // stop-by already passed
    expect(result.stoppedEarly).toBe(true);
    expect(result.written).toBe(0);
    expect(store.rows.get('I#order#o-1')?.due).toBeLessThanOrEqual(T0 + 5 * MIN);
  });

  it('one item it cannot write is counted and left due; the others are swept', async () => {
    const store = storeWithKey();
    await seed(store, 'o-1', 'o-2');
    store.beforeWrite = (key) => {
      if (key === 'I#order#o-1') throw new StoreError('PutItem failed');
    };
    const { deps, counts } = sweeper(store);
    const result = await sweep(deps, Number.POSITIVE_INFINITY);
    expect(result.failed).toBe(1);
    expect(result.written).toBe(1);
    expect(counts.get('commitFailures')).toBe(1);
    expect(JSON.parse(store.rows.get('I#order#o-2')?.doc as string).fired).toEqual(['step_overdue:paid']);
    expect(store.rows.get('I#order#o-1')?.due).toBeDefined(); // still due: the next sweep retries it
  });

  it('an instance of a workflow removed from the file leaves the index', async () => {
    const store = storeWithKey();
    await seed(store, 'o-1');
    const other = ORDER_YAML.replace('  order:', '  shipping:');
    const result = await sweep(sweeper(store, other).deps, Number.POSITIVE_INFINITY);
    expect(result.written).toBe(1);
    expect(store.rows.get('I#order#o-1')?.due).toBeUndefined();
  });

  it('a failed index read of one partition is counted, and the sweep still reports lag', async () => {
    const store = storeWithKey().failNext('dueKeys');
    await seed(store, 'o-1');
    const { deps, counts } = sweeper(store);
    const result = await sweep(deps, Number.POSITIVE_INFINITY);
    expect(result.failed).toBe(1);
    expect(counts.get('sweepFailures')).toBe(1);
    expect(store.monitor.version).toBeGreaterThan(0); // the lag bookkeeping ran
  });

  it('leaves an item found early in the index when its wake-up is near, and moves it when it is far', async () => {
    for (const [window, writes] of [
      [10 * MIN, 0],
      [MIN, 1],
    ] as const) {
      const store = storeWithKey();
      // placed at 0 (paid due 2m30s), paid at 1m: the consumer keeps the earlier 2m30s in the index,
      // while the instance's own wake-up is reserved's deadline + grace, 6m30s.
      await consumeBatch(
        records(ev('placed', 0, { cid: 'o-1', attributes: { items: 1 } })),
        consumer(store).deps,
      );
      await consumeBatch(records(ev('paid', MIN, { cid: 'o-1' })), consumer(store).deps);
      expect(store.rows.get('I#order#o-1')?.due).toBe(T0 + 2.5 * MIN);
      store.watermarks.set('s-0', T0 + 3 * MIN);
      const { deps } = sweeper(store);
      const result = await sweep({ ...deps, rereadWindowMs: window }, Number.POSITIVE_INFINITY);
      expect(result.due).toBe(1);
      expect(result.written).toBe(writes);
      expect(store.rows.get('I#order#o-1')?.due).toBe(writes === 0 ? T0 + 2.5 * MIN : T0 + 6.5 * MIN);
    }
  });
});
