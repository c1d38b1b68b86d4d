import { describe, expect, it } from 'vitest';
import { consumeBatch, type StreamRecord } from '../../src/runtime/consume-batch.js';
import type { MetricDimensions, MetricsSink } from '../../src/runtime/ports.js';
import { ev, line, MIN, orderConfig, SEC, T0 } from '../helpers.js';
import { MemoryStore } from '../support/memory-store.js';

/** Every metric recorded, with its dimensions, as `name{k=v,…}` → values. */
function recording() {
  const seen = new Map<string, number[]>();
  const key = (name: string, d?: MetricDimensions) =>
    d === undefined
      ? name
      : `${name}{${Object.entries(d)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')}}`;
  const add = (name: string, value: number, d?: MetricDimensions) =>
    seen.set(key(name, d), [...(seen.get(key(name, d)) ?? []), value]);
  const metrics: MetricsSink = {
    count: (name, value = 1, d) => add(name, value, d),
    timing: (name, ms, d) => add(name, ms, d),
    gauge: (name, value) => add(name, value),
  };
  return { seen, metrics };
}

let seq = 1000n;
const records = (events: ReturnType<typeof ev>[], extra: object[] = []): StreamRecord[] =>
  events.map((e, i) => {
    const parsed = JSON.parse(line(e));
    return {
      shardId: 's-0',
      sequenceNumber: String(seq++),
      arrival: T0 + 20 * MIN,
      data: Buffer.from(JSON.stringify({ ...parsed, ...(extra[i] ?? {}) })),
    };
  });

describe('behaviour metrics from the consumer', () => {
  it('records step latency from the step it comes after, attempts, failures, durations and outcomes by workflow and step', async () => {
    const { seen, metrics } = recording();
    const store = new MemoryStore();
    const batch = records(
      [
        ev('placed', 0, { attributes: { items: 1 } }),
        ev('paid', 10 * SEC, { status: 'failed' }),
        ev('paid', 20 * SEC, { status: 'started' }),
        ev('paid', 30 * SEC),
        ev('reserved', 90 * SEC),
        ev('picked', 2 * MIN),
        ev('shipped', 3 * MIN),
      ],
      [{ source: 'checkout' }, {}, {}, { coldStart: true, durationMs: 1200, source: 'payments' }],
    );
    await consumeBatch(batch, {
      config: orderConfig(),
      store,
      publisher: { publish: async () => ({ published: new Set(), failed: [] }) },
      metrics,
      logger: { info() {}, warn() {}, error() {} },
      clock: () => T0 + 20 * MIN,
      quarantineRetentionMs: 86_400_000,
      logPayloads: false,
      maxSkewMs: 120_000,
      cache: { watermarks: new Map() },
    });
    // paid after placed (30 s, a cold start, third attempt); reserved after paid (60 s); shipped
    // after the later of reserved and picked (60 s).
    expect(seen.get('stepLatency{workflow=order,step=paid,start=cold}')).toEqual([30_000]);
    expect(seen.get('stepLatency{workflow=order,step=reserved,start=warm}')).toEqual([60_000]);
    expect(seen.get('stepLatency{workflow=order,step=picked,start=warm}')).toEqual([120_000]);
    expect(seen.get('stepLatency{workflow=order,step=shipped,start=warm}')).toEqual([60_000]);
    expect(seen.get('attempts{workflow=order,step=paid}')).toEqual([3]);
    expect(seen.get('attempts{workflow=order,step=reserved}')).toEqual([1]);
    expect(seen.get('stepFailures{workflow=order,step=paid}')).toEqual([1]);
    expect(seen.get('duration{workflow=order,step=paid,start=cold}')).toEqual([1200]);
    expect(seen.get('workflowLatency{workflow=order}')).toEqual([3 * MIN]);
    expect(seen.get('outcomes{workflow=order,status=completed}')).toEqual([1]);
    expect(seen.get('ingestLag{source=checkout}')).toHaveLength(1);
    expect(seen.get('ingestLag{source=unknown}')).toHaveLength(5);
  });

  it('keeps at most 20 sources as dimensions per container; the rest count as other', async () => {
    const { seen, metrics } = recording();
    const events = Array.from({ length: 25 }, (_, i) =>
      ev('placed', i * SEC, { cid: `o-${i}`, attributes: { items: 1 } }),
    );
    const batch = records(
      events,
      events.map((_, i) => ({ source: `producer-${i}` })),
    );
    await consumeBatch(batch, {
      config: orderConfig(),
      store: new MemoryStore(),
      publisher: { publish: async () => ({ published: new Set(), failed: [] }) },
      metrics,
      logger: { info() {}, warn() {}, error() {} },
      clock: () => T0 + 20 * MIN,
      quarantineRetentionMs: 86_400_000,
      logPayloads: false,
      maxSkewMs: 120_000,
      cache: { watermarks: new Map() },
    });
    const sources = [...seen.keys()].filter((k) => k.startsWith('ingestLag{'));
    expect(sources).toHaveLength(21);
    expect(seen.get('ingestLag{source=other}')).toHaveLength(5);
  });
});
