import { describe, expect, it } from 'vitest';
import { type Alert, messageKey } from '../../src/engine/alert.js';
import { maintainIncidents, routeAlerts } from '../../src/runtime/incidents.js';
import { heldBy, inMaintenance } from '../../src/runtime/silences.js';
import { parseWorkflowFile } from '../../src/workflow/load.js';
import { MIN, T0 } from '../helpers.js';
import { MemoryStore } from '../support/memory-store.js';

const config = parseWorkflowFile(
  `
version: 1
workflows:
  order:
    start: placed
    deadline: 1h
    steps:
      paid: { within: 2m }
      shipped: { within: 1h }
    # Sundays 02:00–04:00 UTC: the warehouse system is down for its weekly maintenance.
    maintenance: [{ cron: "0 2 * * SUN", for: 2h, reason: weekly warehouse maintenance }]
`,
  's.yml',
);

const alert = (cid: string, step = 'paid', kind: Alert['kind'] = 'step_overdue'): Alert => ({
  alertId: `id-${cid}-${step}`,
  kind,
  workflow: 'order',
  correlationId: cid,
  step,
  severity: 'medium',
  status: 'running',
  deadline: null,
  detectedAt: new Date(T0).toISOString(),
  lateByMs: 0,
  missing: [step],
  timeline: [],
  traceIds: [],
});

// 2026-11-29 is a Sunday.
const SUNDAY_3AM = Date.parse('2026-11-29T03:00:00Z');

describe('silences and maintenance windows', () => {
  it('holds alerts inside a maintenance window of the workflow file, and none outside it', () => {
    expect(inMaintenance(config.workflows.get('order'), SUNDAY_3AM)).toEqual({
      by: 'maintenance',
      reason: 'weekly warehouse maintenance',
      until: Date.parse('2026-11-29T04:00:00Z'),
    });
    expect(inMaintenance(config.workflows.get('order'), Date.parse('2026-11-29T04:00:00Z'))).toBeUndefined();
    expect(inMaintenance(config.workflows.get('order'), Date.parse('2026-11-28T03:00:00Z'))).toBeUndefined();
  });

  it('matches a silence by workflow, step and kind, while it lasts', () => {
    const silence = {
      id: 's-1',
      workflow: 'order',
      step: 'shipped',
      from: T0,
      until: T0 + 2 * MIN,
      reason: 'carrier down',
      createdAt: T0,
    };
    expect(heldBy(alert('a', 'shipped'), [silence], config, T0 + MIN)?.by).toBe('s-1');
    expect(heldBy(alert('a', 'paid'), [silence], config, T0 + MIN)).toBeUndefined();
    expect(heldBy(alert('a', 'shipped'), [silence], config, T0 + 2 * MIN)).toBeUndefined();
    const kindOnly = { ...silence, step: undefined, kind: 'workflow_timed_out' } as never;
    expect(heldBy(alert('b', 'paid', 'workflow_timed_out'), [kindOnly], config, T0)?.by).toBe('s-1');
  });

  it('records what it holds as sent (cleared from outboxes) without publishing it; the rest goes out', async () => {
    const store = new MemoryStore();
    store.silences = {
      version: 1,
      silences: [
        {
          id: 's-1',
          workflow: 'order',
          step: 'shipped',
          from: T0,
          until: T0 + 10 * MIN,
          reason: 'carrier down',
          createdAt: T0,
        },
      ],
    };
    const deps = {
      config,
      store,
      publisher: {
        publish: async (a: readonly Alert[]) => ({ published: new Set(a.map(messageKey)), failed: [] }),
      },
      metrics: { count() {}, timing() {}, gauge() {} },
      logger: { info() {}, warn() {}, error() {} },
      clock: () => now,
    };
    let now = T0 + MIN;
    const routed = await routeAlerts(
      [alert('a', 'shipped'), alert('b', 'paid'), alert('c', 'shipped')],
      deps,
    );
    expect(routed.now.map((a) => a.correlationId)).toEqual(['b']);
    expect(routed.attached.map((a) => a.correlationId)).toEqual(['a', 'c']);
    // Without the silences (the table cannot be read, once the container's copy is 10 s old),
    // everything goes out.
    now += 11_000;
    store.failNext('getSilences');
    const unread = await routeAlerts([alert('d', 'shipped')], deps);
    expect(unread.now).toHaveLength(1);
  });

  it('holds the messages of an incident it covers, and the incident says so once it speaks again', async () => {
    const store = new MemoryStore();
    const clock = { now: T0 };
    const published: Alert[] = [];
    const deps = {
      config,
      store,
      publisher: {
        publish: async (a: readonly Alert[]) => {
          published.push(...a);
          return { published: new Set(a.map(messageKey)), failed: [] };
        },
      },
      metrics: { count() {}, timing() {}, gauge() {} },
      logger: { info() {}, warn() {}, error() {} },
      clock: () => clock.now,
    };
    // An incident opens (threshold 5); then a silence of its step starts before its message goes out.
    await routeAlerts(
      ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((c) => alert(c, 'shipped')),
      deps,
    );
    store.silences = {
      version: 1,
      silences: [
        {
          id: 's-9',
          workflow: 'order',
          step: 'shipped',
          from: T0,
          until: T0 + 30_000,
          reason: 'carrier down',
          createdAt: T0,
        },
      ],
    };
    clock.now = T0 + 20_000;
    await maintainIncidents(deps);
    expect(published.filter((a) => a.kind === 'incident')).toEqual([]);
    expect(store.incidents.open['order|step_overdue|shipped']?.summary.silencedBy).toMatchObject({
      id: 's-9',
      reason: 'carrier down',
    });
    // After the silence, the resolution carries the note.
    clock.now = T0 + 2 * MIN;
    await maintainIncidents(deps);
    expect(published.map((a) => [a.kind, a.state, a.incident?.silencedBy?.id])).toEqual([
      ['incident', 'resolved', 's-9'],
    ]);
  });
});
