import { parseWorkflowFile } from '../src/workflow/load.js';

/** The benchmark workflow: six steps, no fan-out, the shape of contract §2's order. */
export const benchYaml = (retention = '7d') => `
version: 1
defaults: { grace: 30s, retention: ${retention} }
workflows:
  order:
    start: order.placed
    deadline: 15m
    steps:
      payment.authorized: { within: 2m }
      inventory.reserved: { after: payment.authorized, within: 5m }
      item.picked: { within: 10m }
      label.printed: { after: item.picked, within: 5m }
      shipment.created: { after: [inventory.reserved, label.printed], within: 10m }
    complete: [shipment.created]
`;
export const benchConfig = (retention?: string) => parseWorkflowFile(benchYaml(retention), 'bench.yml');

/** The same workflow with the behaviour features on: learned baselines on every step, and an assertion. */
export const behaviourYaml = () =>
  benchYaml().replace(
    '    complete: [shipment.created]\n',
    `    complete: [shipment.created]
    latency: { window: 15m }
    assert:
      paid-after-placed:
        when: [order.placed, payment.authorized]
        expr: steps['payment.authorized'].time >= steps['order.placed'].time
`,
  );
export const behaviourConfig = () => parseWorkflowFile(behaviourYaml(), 'bench-behaviour.yml');

const STEPS = [
  'order.placed',
  'payment.authorized',
  'inventory.reserved',
  'item.picked',
  'label.printed',
  'shipment.created',
];
const SOURCES = ['checkout-api', 'payments', 'inventory', 'warehouse', 'warehouse', 'shipping'];
const BASE = Date.parse('2026-11-02T00:00:00Z');

/**
 * `instances` orders, one starting every 50 ms, each with six events a minute apart; 1 in 20 misses
 * a step. Events come in time order, so instances overlap as they would in production.
 */
export function benchEvents(instances: number): Record<string, unknown>[] {
  const events: { at: number; event: Record<string, unknown> }[] = [];
  for (let i = 0; i < instances; i++) {
    const start = BASE + i * 50;
    const skip = i % 20 === 7 ? 2 + (i % 4) : -1;
    for (let s = 0; s < STEPS.length; s++) {
      if (s === skip) continue;
      const at = start + s * 60_000;
      events.push({
        at,
        event: {
          eventId: `e-${i}-${s}`,
          correlationId: `o-${100000 + i}`,
          workflow: 'order',
          step: STEPS[s],
          time: new Date(at).toISOString(),
          source: SOURCES[s],
          traceId: `1-${Math.floor(at / 1000).toString(16)}-${i.toString(16).padStart(24, '0')}`,
        },
      });
    }
  }
  return events.sort((a, b) => a.at - b.at).map((e) => e.event);
}
