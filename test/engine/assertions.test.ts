import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeAlert } from '../../src/alerts/format.js';
import { applyEvent } from '../../src/engine/transition.js';
import type { TelemetryEvent } from '../../src/events/telemetry.js';
import { parseWorkflowFile } from '../../src/workflow/load.js';
import type { WorkflowModel } from '../../src/workflow/model.js';
import { type EventSpec, ev, MIN, replay, SEC, T0 } from '../helpers.js';

const config = parseWorkflowFile(
  `
version: 1
defaults: { grace: 30s }
workflows:
  order:
    start: placed
    deadline: 15m
    steps:
      paid: { within: 2m }
      shipped: { after: paid, within: 10m }
    complete: [shipped]
    assert:
      charged-equals-total:
        when: [placed, paid]
        expr: steps['paid'].attributes.amount == steps.placed.attributes.total
        severity: critical
      shipped-to-billing-country:
        when: [paid, shipped]
        expr: steps.shipped.attributes.country == steps.paid.attributes.country
      shipped-within-the-hour:
        when: [placed, shipped]
        expr: steps.shipped.time - steps.placed.time < duration('1h')
`,
  'assert.yml',
);

const order = (cid: string, placed: object, paid: object, shipped: object = { country: 'NL' }) => [
  ev('placed', 0, { cid, eventId: `${cid}-placed`, attributes: { ...placed } }),
  ev('paid', 1 * MIN, { cid, eventId: `${cid}-paid`, attributes: { ...paid } }),
  ev('shipped', 5 * MIN, { cid, eventId: `${cid}-shipped`, attributes: { ...shipped } }),
];

describe('assertions on results across steps', () => {
  it('raises nothing when every assertion holds', () => {
    const result = replay(order('o-1', { total: 42.5 }, { amount: 42.5, country: 'NL' }), {
      config,
      drain: true,
    });
    expect(result.alerts).toEqual([]);
  });

  it('raises assertion_failed once, at the assertion severity, with the expression and the values it saw', () => {
    const events = order('o-1', { total: 42.5 }, { amount: 40, country: 'NL' });
    // A redelivery, and a second success of the step under another ID, change nothing: each
    // assertion is evaluated once.
    const paid = events[1] as EventSpec;
    const result = replay([...events, paid, { ...paid, eventId: 'again', attributes: { amount: 42.5 } }], {
      config,
      drain: true,
    });
    expect(result.alerts).toHaveLength(1);
    const [alert] = result.alerts;
    expect(alert).toMatchObject({
      kind: 'assertion_failed',
      step: null,
      severity: 'critical',
      correlationId: 'o-1',
      assertion: {
        name: 'charged-equals-total',
        expr: "steps['paid'].attributes.amount == steps.placed.attributes.total",
        values: { placed: { total: 42.5 }, paid: { amount: 40, country: 'NL' } },
      },
    });
    expect(alert?.assertion?.error).toBeUndefined();
    expect(describeAlert(alert as never)).toContain('charged-equals-total  false: steps');
  });

  it('reports a missing attribute as such, not as a crash, and goes on judging the instance', () => {
    const result = replay(order('o-1', { total: 42.5 }, { country: 'NL' }), { config, drain: true });
    expect(result.alerts.map((a) => [a.kind, a.assertion?.name, a.assertion?.error])).toEqual([
      ['assertion_failed', 'charged-equals-total', 'missing attribute: amount'],
    ]);
    expect(result.instances.find((i) => i.correlationId === 'o-1')?.status).toBe('completed');
  });

  it('compares times as CEL timestamps and durations', () => {
    const late = [
      ev('placed', 0, { cid: 'o-2', attributes: { total: 1 } }),
      ev('paid', 1 * MIN, { cid: 'o-2', attributes: { amount: 1, country: 'NL' } }),
      // Past its own 10m step deadline too: that is step_overdue, the assertion is about the hour.
      ev('shipped', 70 * MIN, { cid: 'o-2', attributes: { country: 'NL' } }),
    ];
    const result = replay(late, { config, drain: true });
    expect(result.alerts.filter((a) => a.kind === 'assertion_failed').map((a) => a.assertion?.name)).toEqual([
      'shipped-within-the-hour',
    ]);
  });

  it('gives alerts their own IDs per assertion and instance', () => {
    const events = [
      ...order('o-1', { total: 1 }, { amount: 2, country: 'NL' }, { country: 'BE' }),
      ...order('o-2', { total: 1 }, { amount: 2, country: 'NL' }),
    ].sort((a, b) => a.at - b.at);
    const result = replay(events, { config, drain: true });
    const ids = result.alerts.map((a) => a.alertId);
    expect(result.alerts.map((a) => `${a.correlationId} ${a.assertion?.name}`)).toEqual([
      'o-1 charged-equals-total',
      'o-2 charged-equals-total',
      'o-1 shipped-to-billing-country',
    ]);
    expect(new Set(ids).size).toBe(3);
  });

  it('is pure and order-independent once its steps are done: any arrival order, the same verdicts', () => {
    fc.assert(
      fc.property(
        fc.record({
          total: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constant(2.5)),
          amount: fc.option(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constant(2.5)), { nil: undefined }),
          country: fc.constantFrom('NL', 'BE'),
          shippedCountry: fc.constantFrom('NL', 'BE'),
          shippedAt: fc.integer({ min: 2, max: 9 }),
        }),
        fc.infiniteStream(fc.nat()),
        (v, seeds) => {
          const events = [
            ev('placed', 0, { cid: 'p', attributes: { total: v.total } }),
            ev('paid', 30 * SEC, {
              cid: 'p',
              attributes: { country: v.country, ...(v.amount === undefined ? {} : { amount: v.amount }) },
            }),
            ev('shipped', v.shippedAt * MIN, { cid: 'p', attributes: { country: v.shippedCountry } }),
          ];
          const shuffled = [...events];
          const it = seeds[Symbol.iterator]();
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = (it.next().value as number) % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j] as never, shuffled[i] as never];
          }
          const verdicts = (list: typeof events) =>
            replay(list, { config, drain: true })
              .alerts.filter((a) => a.kind === 'assertion_failed')
              .map(
                (a) =>
                  `${a.assertion?.name} ${a.assertion?.error ?? ''} ${JSON.stringify(a.assertion?.values)}`,
              )
              .sort();
          const expected = [
            ...(v.amount === undefined
              ? ['charged-equals-total missing attribute: amount']
              : v.amount !== v.total
                ? ['charged-equals-total ']
                : []),
            ...(v.country !== v.shippedCountry ? ['shipped-to-billing-country '] : []),
          ];
          const got = verdicts(shuffled);
          expect(got.map((g) => g.slice(0, g.indexOf(' {')))).toEqual(expected.sort());
          expect(got).toEqual(verdicts(events));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('what an instance keeps for its assertions', () => {
  /** An order workflow from its steps and assertions (YAML under the workflow's key). */
  const orderWith = (body: string) =>
    parseWorkflowFile(
      `version: 1
workflows:
  order:
    start: placed
    deadline: 15m
${body}`,
      'keep.yml',
    ).workflows.get('order') as WorkflowModel;
  const model = orderWith(`    steps:
      paid: { within: 2m }
      shipped: { within: 10m }
    complete: [shipped]
    assert:
      charged-equals-total:
        when: [placed, paid]
        expr: steps.paid.attributes.amount == steps.placed.attributes.total
      shipped-after-placed:
        when: [placed, shipped]
        expr: steps.shipped.time > steps.placed.time
`);
  const event = (step: string, at: number, attributes: Record<string, unknown> = {}): TelemetryEvent => ({
    eventId: `e-${step}`,
    correlationId: 'o-1',
    workflow: 'order',
    step,
    status: 'succeeded',
    time: T0 + at,
    attributes,
  });

  it('keeps a step’s event only while an assertion still waits for another step, then nothing', () => {
    let instance = applyEvent(undefined, event('placed', 0, { total: 10 }), model, T0).instance;
    expect(Object.keys(instance.at ?? {})).toEqual(['placed']);
    // paid completes the first assertion, and no other reads it: judged from the event, not kept.
    const paid = applyEvent(instance, event('paid', MIN, { amount: 11 }), model, T0 + MIN);
    instance = paid.instance;
    expect(paid.alerts.map((a) => a.assertion?.name)).toEqual(['charged-equals-total']);
    expect(paid.alerts[0]?.assertion?.values).toEqual({ placed: { total: 10 }, paid: { amount: 11 } });
    expect(Object.keys(instance.at ?? {})).toEqual(['placed']);
    instance = applyEvent(instance, event('shipped', 2 * MIN), model, T0 + 2 * MIN).instance;
    expect(instance.at).toBeUndefined();
    expect(instance.asr).toEqual(['charged-equals-total', 'shipped-after-placed']);
  });

  it('waits for a counted step to reach its count, judging it by its earliest success', () => {
    const counted = orderWith(`    steps:
      picked: { count: 2, within: 5m }
    assert:
      picked-from-another-bin:
        when: [placed, picked]
        expr: steps.picked.attributes.bin != steps.placed.attributes.bin
`);
    let instance = applyEvent(undefined, event('placed', 0, { bin: 'A' }), counted, T0).instance;
    const first = applyEvent(
      instance,
      { ...event('picked', MIN, { bin: 'A' }), eventId: 'p1' },
      counted,
      T0 + MIN,
    );
    // One of two picks: not done, so not judged yet; its row is kept for when it is.
    expect(first.alerts).toEqual([]);
    expect(first.instance.asr).toBeUndefined();
    expect(Object.keys(first.instance.at ?? {}).sort()).toEqual(['picked', 'placed']);
    instance = first.instance;
    const second = applyEvent(
      instance,
      { ...event('picked', 2 * MIN, { bin: 'B' }), eventId: 'p2' },
      counted,
      T0 + 2 * MIN,
    );
    // Judged once done, on the step's earliest success (bin A, like the order): it fails.
    expect(second.alerts.map((a) => [a.kind, a.assertion?.name, a.assertion?.values.picked])).toEqual([
      ['assertion_failed', 'picked-from-another-bin', { bin: 'A' }],
    ]);
    expect(second.instance.at).toBeUndefined();
  });

  it('judges by name what a stored instance evaluated: a name from an older file does not stand for one of today', () => {
    let instance = applyEvent(undefined, event('placed', 0, { total: 10 }), model, T0).instance;
    // As read back from the table, after a deploy that renamed an assertion it had evaluated.
    instance = { ...structuredClone(instance), asr: ['charged-equals-subtotal'] };
    const paid = applyEvent(instance, event('paid', MIN, { amount: 11 }), model, T0 + MIN);
    expect(paid.alerts.map((a) => a.assertion?.name)).toEqual(['charged-equals-total']);
    // A clock skewed a minute back: the second assertion fails, so it must have been evaluated.
    const shipped = applyEvent(paid.instance, event('shipped', -MIN), model, T0 + 2 * MIN);
    expect(shipped.alerts.map((a) => a.assertion?.name)).toEqual(['shipped-after-placed']);
    expect(shipped.instance.at).toBeUndefined();
    expect(shipped.instance.asr).toEqual(['charged-equals-total', 'shipped-after-placed']);
    // A complete list read back is a copy: nothing is evaluated twice.
    const again = applyEvent(
      structuredClone(shipped.instance),
      { ...event('paid', 3 * MIN, { amount: 12 }), eventId: 'e-paid-2' },
      model,
      T0 + 3 * MIN,
    );
    expect(again.alerts).toEqual([]);
  });
});
