import { describe, expect, it } from 'vitest';
import { type Alert, messageKey } from '../../src/engine/alert.js';
import { maintainIncidents, routeAlerts } from '../../src/runtime/incidents.js';
import { parseWorkflowFile } from '../../src/workflow/load.js';
import { MIN, T0 } from '../helpers.js';
import { MemoryStore } from '../support/memory-store.js';

const config = parseWorkflowFile(
  `
version: 1
defaults: { incidents: { threshold: 2, window: 1m, updateEvery: 2m } }
workflows:
  order:
    start: placed
    deadline: 1h
    steps:
      paid: { within: 2m }
`,
  'i.yml',
);

const alert = (cid: string, more: Partial<Alert> = {}): Alert => ({
  alertId: `id-${cid}`,
  kind: 'step_overdue',
  workflow: 'order',
  correlationId: cid,
  step: 'paid',
  severity: 'medium',
  status: 'running',
  deadline: null,
  detectedAt: new Date(T0).toISOString(),
  lateByMs: 0,
  missing: ['paid'],
  timeline: [{ step: 'placed', status: 'succeeded', time: new Date(T0).toISOString(), source: 'checkout' }],
  traceIds: [],
  ...more,
});

function deps(store: MemoryStore, clock: { now: number }, published: Alert[] = []) {
  return {
    config,
    store,
    publisher: {
      publish: async (alerts: readonly Alert[]) => {
        published.push(...alerts);
        return { published: new Set(alerts.map(messageKey)), failed: [] };
      },
    },
    metrics: { count() {}, timing() {}, gauge() {} },
    logger: { info() {}, warn() {}, error() {} },
    clock: () => clock.now,
  };
}

describe('grouping alerts into incidents', () => {
  it('sends the threshold one by one, attaches the rest, and sends their resolutions to the incident', async () => {
    const store = new MemoryStore();
    const clock = { now: T0 };
    const routed = await routeAlerts(
      ['a', 'b', 'c', 'd'].map((c) => alert(c)),
      deps(store, clock),
    );
    expect(routed.now.map((a) => a.correlationId)).toEqual(['a', 'b']);
    expect(routed.attached.map((a) => a.correlationId)).toEqual(['c', 'd']);
    expect(store.incidents.open['order|step_overdue|paid']?.summary).toMatchObject({
      count: 4,
      firstCorrelationId: 'c',
      lastCorrelationId: 'd',
      sources: ['checkout'],
    });
    // With the incident open, a resolution of its group joins it rather than going out alone.
    const later = await routeAlerts([alert('c', { state: 'resolved' })], deps(store, clock));
    expect(later.attached).toHaveLength(1);
    // Another step's alerts are another group.
    const other = await routeAlerts([alert('e', { step: 'shipped' })], deps(store, clock));
    expect(other.now).toHaveLength(1);
  });

  it('updates a growing incident at most every updateEvery and resolves it after a quiet window', async () => {
    const store = new MemoryStore();
    const clock = { now: T0 };
    const published: Alert[] = [];
    await routeAlerts(
      ['a', 'b', 'c'].map((c) => alert(c)),
      deps(store, clock, published),
    );
    // The incident's first message is in its outbox until someone publishes it: the publishing path
    // right away, or, when that failed, the sweeper once it has waited 10 s.
    expect(store.incidents.pending.map((a) => a.kind)).toEqual(['incident']);
    await maintainIncidents(deps(store, clock, published));
    expect(published).toEqual([]);
    clock.now = T0 + 10_000;
    await maintainIncidents(deps(store, clock, published));
    expect(published.map((a) => a.incident?.update)).toEqual([0]);
    clock.now = T0 + 30_000;
    await routeAlerts(
      ['d', 'e'].map((c) => alert(c)),
      deps(store, clock, published),
    );
    await maintainIncidents(deps(store, clock, published)); // grew, but within updateEvery
    expect(published).toHaveLength(1);
    clock.now = T0 + 2 * MIN + 10_000;
    await routeAlerts([alert('f')], deps(store, clock, published));
    await maintainIncidents(deps(store, clock, published));
    expect(published.map((a) => [a.incident?.update, a.incident?.count])).toEqual([
      [0, 3],
      [1, 6],
    ]);
    clock.now += MIN;
    await maintainIncidents(deps(store, clock, published));
    expect(published.at(-1)).toMatchObject({ kind: 'incident', state: 'resolved', incident: { count: 6 } });
    expect(store.incidents.open).toEqual({});
    expect(store.incidents.pending).toEqual([]);
  });

  it('publishes everything one by one when the incident state cannot be written: a storm, never a loss', async () => {
    const store = new MemoryStore().failNext('putIncidents');
    const routed = await routeAlerts(
      ['a', 'b', 'c', 'd'].map((c) => alert(c)),
      deps(store, { now: T0 }),
    );
    expect(routed.now).toHaveLength(4);
    expect(routed.attached).toEqual([]);
  });

  it('re-reads the state when another writer came first, and counts each alert once', async () => {
    const store = new MemoryStore();
    const clock = { now: T0 };
    let raced = false;
    const original = store.putIncidents.bind(store);
    store.putIncidents = async (state) => {
      if (!raced) {
        raced = true;
        await original({ ...store.incidents, recent: [] }); // another writer
      }
      return original(state);
    };
    const routed = await routeAlerts(
      ['a', 'b', 'c'].map((c) => alert(c)),
      deps(store, clock),
    );
    expect(routed.attached).toHaveLength(1);
    expect(store.incidents.open['order|step_overdue|paid']?.summary.count).toBe(3);
  });
});
