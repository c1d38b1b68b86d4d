import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import { stepLatency } from '../../src/engine/baselines.js';
import type { Instance } from '../../src/engine/instance.js';
import { applyEvent, nextWake } from '../../src/engine/transition.js';
import { parseEvent } from '../../src/events/parse.js';
import type { TelemetryEvent } from '../../src/events/telemetry.js';
import type { ReplayResult } from '../../src/replay/replayer.js';
import { parseWorkflowFile } from '../../src/workflow/load.js';
import type { WorkflowModel } from '../../src/workflow/model.js';
import { type EventSpec, line, replay, SEC } from '../helpers.js';

// Short deadlines against a 30s grace, so that a window of events under 30s wide exercises lateness
// without any deadline becoming final while the events are still arriving.
const config = parseWorkflowFile(
  `
version: 1
defaults: { grace: 30s }
workflows:
  w:
    start: s
    deadline: 25s
    strictOrder: true
    steps:
      a: { within: 5s }
      b: { after: a, within: 8s }
      c: { count: { from: s, attribute: n }, within: 12s }
      d: { after: [b, c], within: 6s }
      o: { optional: true }
    complete: [done]
    fail: [failed]
    cancel: [cancelled]
`,
  'properties.yml',
);
const model = config.workflows.get('w') as WorkflowModel;

let uid = 0;
const spec = (cid: string, step: string, at: number, more: Partial<EventSpec> = {}): EventSpec => ({
  step,
  at,
  cid,
  workflow: 'w',
  eventId: `${cid}-${step}-${++uid}`,
  ...more,
});

/** One instance's consistent history: at most one kind of ending, every event within `window` ms. */
const history = (cid: string, window: number, endings = ['none', 'done', 'failed', 'cancelled']) =>
  fc
    .record({
      hasStart: fc.double({ min: 0, max: 1, noNaN: true }),
      count: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      steps: fc.array(fc.tuple(fc.constantFrom('a', 'b', 'd', 'o'), fc.integer({ min: 0, max: window })), {
        maxLength: 4,
      }),
      picks: fc.array(fc.integer({ min: 0, max: window }), { maxLength: 3 }),
      attempts: fc.array(
        fc.tuple(
          fc.constantFrom('a', 'b', 'c', 'd'),
          fc.constantFrom('failed', 'started'),
          fc.integer({ min: 0, max: window }),
        ),
        { maxLength: 3 },
      ),
      unknown: fc.boolean(),
      ending: fc.constantFrom(...endings),
      endAt: fc.integer({ min: 0, max: window }),
    })
    .map((h) => {
      const events: EventSpec[] = [];
      if (h.hasStart < 0.85) {
        events.push(spec(cid, 's', 0, h.count === undefined ? {} : { attributes: { n: h.count } }));
      }
      const stepsSeen = new Set<string>();
      for (const [step, at] of h.steps) {
        if (stepsSeen.has(step)) continue; // one success per plain step: its done time is fixed
        stepsSeen.add(step);
        events.push(spec(cid, step, at));
      }
      // Exactly as many picks as the count asks for, so the count-th earliest cannot move.
      const picks = h.count === undefined ? h.picks.slice(0, 1) : h.picks.slice(0, h.count);
      for (const at of picks) events.push(spec(cid, 'c', at));
      for (const [step, status, at] of h.attempts) events.push(spec(cid, step, at, { status }));
      if (h.unknown) events.push(spec(cid, 'zz', h.endAt));
      if (h.ending !== 'none') events.push(spec(cid, h.ending, h.endAt));
      return events;
    });

/** Several instances' histories, all within a window narrower than grace. */
const within = (endings: string[]) =>
  fc
    .tuple(
      history('i1', 29 * SEC, endings),
      history('i2', 29 * SEC, endings),
      history('i3', 29 * SEC, endings),
    )
    .map((hs) => hs.flat());
/** Histories spread over minutes, so that deadlines become final while events still arrive. */
const spread = fc.tuple(history('i1', 90 * SEC), history('i2', 90 * SEC)).map((hs) => hs.flat());

const shuffled = <T>(items: readonly T[]) =>
  fc
    .array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: items.length, maxLength: items.length })
    .map((keys) =>
      items
        .map((item, i) => ({ item, key: keys[i] as number }))
        .sort((x, y) => x.key - y.key)
        .map((x) => x.item),
    );

const run = (events: readonly EventSpec[]) => replay(events, { config, drain: true });
const outcome = (r: ReplayResult) => ({
  alerts: r.alerts.map((a) => `${a.correlationId}|${a.kind}|${a.step}`).sort(),
  instances: r.instances,
});

describe('engine properties', () => {
  it('duplicated events never change the output', () => {
    fc.assert(
      fc.property(
        spread.chain((events) => shuffled(events)),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 8 }),
        (events, dupes) => {
          if (events.length === 0) return;
          const withDupes = [...events];
          for (const [which, offset] of dupes) {
            const original = which % events.length;
            const position = withDupes.indexOf(events[original] as EventSpec);
            const insertAt = position + 1 + (offset % (withDupes.length - position));
            withDupes.splice(insertAt, 0, { ...(events[original] as EventSpec) });
          }
          const plain = run(events);
          const duplicated = run(withDupes);
          expect(duplicated.alerts).toEqual(plain.alerts);
          expect(duplicated.instances).toEqual(plain.instances);
          expect(duplicated.stats.duplicates).toBe(withDupes.length - events.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('any arrival order of events within grace of each other gives the same alerts and statuses', () => {
    fc.assert(
      fc.property(
        within(['none', 'done']).chain((events) => fc.tuple(shuffled(events), shuffled(events))),
        ([first, second]) => {
          expect(outcome(run(second))).toEqual(outcome(run(first)));
        },
      ),
      { numRuns: 500 },
    );
  });

  // A fail or cancel step ends the instance at once (contract §3), so a step event that arrives after
  // it can no longer raise step_overdue or out_of_order: there, only the outcome is order-free.
  it('with a fail or cancel step, any arrival order gives the same statuses and the same ending alert', () => {
    const endings = (r: ReplayResult) => ({
      failed: r.alerts
        .filter((a) => a.kind === 'workflow_failed')
        .map((a) => a.correlationId)
        .sort(),
      instances: r.instances,
    });
    fc.assert(
      fc.property(
        within(['failed', 'cancelled']).chain((events) => fc.tuple(shuffled(events), shuffled(events))),
        ([first, second]) => {
          expect(endings(run(second))).toEqual(endings(run(first)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('raises at most one alert per instance, kind and step (and one resolution), whatever the order and timing', () => {
    fc.assert(
      fc.property(
        spread.chain((events) => shuffled(events)),
        fc.boolean(),
        (events, drain) => {
          const result = replay(events, { config, drain });
          const keys = result.alerts.map((a) => `${a.correlationId}|${a.kind}|${a.step}|${a.state}`);
          expect(new Set(keys).size).toBe(keys.length);
          expect(new Set(result.alerts.map((a) => `${a.alertId}|${a.state}`)).size).toBe(keys.length);
          // A resolution follows the alert it resolves, with its alertId.
          result.alerts.forEach((a, i) => {
            if (a.state !== 'resolved') return;
            expect(
              result.alerts.slice(0, i).some((b) => b.alertId === a.alertId && b.state === undefined),
            ).toBe(true);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('an instance survives a JSON round trip unchanged, and goes on exactly as the original would', () => {
    fc.assert(
      fc.property(
        history('i1', 90 * SEC).chain((events) => shuffled(events)),
        fc.nat(),
        (specs, cut) => {
          const events = specs.map((s) => toEvent(s));
          const split = events.length === 0 ? 0 : cut % (events.length + 1);
          let now = Number.NEGATIVE_INFINITY;
          let original: Instance | undefined;
          for (const e of events.slice(0, split)) {
            now = Math.max(now, e.time);
            original = applyEvent(original, e, model, now).instance;
          }
          const copy: Instance | undefined = original && JSON.parse(JSON.stringify(original));
          expect(copy).toEqual(original);

          const continueFrom = (start: Instance | undefined) => {
            let instance = start;
            let t = now;
            const alerts: Alert[] = [];
            for (const e of events.slice(split)) {
              t = Math.max(t, e.time);
              const result = applyEvent(instance, e, model, t);
              expect(result.instance.wk).toBe(nextWake(result.instance, model)); // the stored wake-up is current
              instance = result.instance;
              alerts.push(...result.alerts);
            }
            return { instance, alerts };
          };
          const fromCopy = continueFrom(copy);
          const fromOriginal = continueFrom(original);
          expect(fromCopy).toEqual(fromOriginal);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the latency an event reports is the one its instance then shows for the step (what `overdue trace` reads)', () => {
    fc.assert(
      fc.property(
        history('i1', 90 * SEC).chain((events) => shuffled(events)),
        (specs) => {
          let instance: Instance | undefined;
          let now = Number.NEGATIVE_INFINITY;
          for (const e of specs.map((s) => toEvent(s))) {
            now = Math.max(now, e.time);
            const index = model.stepIndex.get(e.step);
            const step = index === undefined ? undefined : model.steps[index];
            const wasDone =
              step !== undefined && instance !== undefined && Object.hasOwn(instance.done, step.name);
            const result = applyEvent(instance, e, model, now, undefined, true);
            instance = result.instance;
            const madeDone =
              step?.underSteps === true &&
              !wasDone &&
              Object.hasOwn(instance.done, step.name) &&
              e.status === 'succeeded';
            expect(result.latencyMs).toBe(madeDone ? stepLatency(instance, model, step)?.ms : undefined);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

function toEvent(s: EventSpec): TelemetryEvent {
  const parsed = parseEvent(line(s), config);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.event;
}
