import { beforeAll, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import { createTable } from '../../src/local/emulators.js';
import { DynamoDbStore } from '../../src/store/dynamodb-store.js';
import { anAlert } from '../support/alerts.js';
import { describeOnEachStore } from '../support/dynamodb-local.js';

const T = Date.parse('2026-11-28T10:59:30Z');

const alert = (n: number, over: Partial<Alert> = {}): Alert =>
  anAlert(n, T, { step: 'paid', lateByMs: n * 1000, ...over });

describeOnEachStore("the console's activity records", (emulators) => {
  let store: DynamoDbStore;
  let serial = 0;
  beforeAll(async () => {
    const table = `activity-${++serial}-${Date.now()}`;
    await createTable(emulators().dynamodb, table);
    store = new DynamoDbStore(emulators().dynamodb, table);
  });

  it('outcome counters add up across writers, per workflow and minute, and read back from a minute on', async () => {
    const ttl = T + 3600_000;
    await store.addOutcomes(
      [{ workflow: 'order', minute: '2026-11-28T10:58', counts: { completed: 2 } }],
      ttl,
    );
    await Promise.all([
      store.addOutcomes(
        [{ workflow: 'order', minute: '2026-11-28T10:59', counts: { completed: 1, late: 1 } }],
        ttl,
      ),
      store.addOutcomes(
        [{ workflow: 'order', minute: '2026-11-28T10:59', counts: { failed: 3, completed: 4 } }],
        ttl,
      ),
      store.addOutcomes([{ workflow: 'search', minute: '2026-11-28T10:59', counts: { timed_out: 1 } }], ttl),
    ]);
    const before = store.readUnits;
    expect(await store.outcomesSince('order', '2026-11-28T10:59')).toEqual([
      { workflow: 'order', minute: '2026-11-28T10:59', counts: { completed: 5, failed: 3, late: 1 } },
    ]);
    expect((await store.outcomesSince('order', '2026-11-28T10:00')).map((c) => c.minute)).toEqual([
      '2026-11-28T10:58',
      '2026-11-28T10:59',
    ]);
    expect(store.readUnits).toBeGreaterThan(before);
  });

  it('sent messages are listed newest first across hours, within the asked span, more than a batch of them', async () => {
    const many = Array.from({ length: 30 }, (_, i) => alert(i));
    await store.recordSent(many, T, T + 3600_000);
    await store.recordSent(
      [
        alert(99, {
          kind: 'workflow_timed_out',
          step: null,
          assertion: { name: 'x', expr: 'y', values: {}, error: 'e' },
        }),
      ],
      T + 60_000, // the next hour
      T + 3600_000,
    );
    const sent = await store.sentBetween(T - 60_000, T + 120_000);
    expect(sent).toHaveLength(31);
    expect(sent[0]).toMatchObject({
      alertId: 'a-99',
      kind: 'workflow_timed_out',
      assertion: { name: 'x', error: 'e' },
    });
    expect(sent[0]?.sentAt).toBe(new Date(T + 60_000).toISOString());
    expect(await store.sentBetween(T + 30_000, T + 120_000)).toHaveLength(1);
    expect(await store.sentBetween(T - 7200_000, T - 3600_000)).toEqual([]);
  });

  it('in flight counts the wake-up index by workflow, reading keys only', async () => {
    for (const [wf, id] of [
      ['order', 'o-1'],
      ['order', 'o-2'],
      ['search', 's-1'],
    ] as const) {
      await store.putInstance(
        {
          key: store.instanceKey(wf, id),
          instance: { v: 1, wf, id, st: 'running', done: {}, seen: [], tl: [], wk: T + 60_000 },
          version: 0,
          pending: [],
          indexed: undefined,
        },
        undefined,
      );
    }
    expect(Object.fromEntries(await store.inFlight())).toEqual({ order: 2, search: 1 });
  });
});
