import { describe, expect, it } from 'vitest';
import { parseWorkflowFile } from '../../src/workflow/load.js';
import { ev, happyPath, kinds, MIN, replay, SEC, T0 } from '../helpers.js';

const iso = (offset: number) => new Date(T0 + offset).toISOString();

describe('contract §3 time rules', () => {
  it('completes a workflow whose steps all arrive on time, with no alert', () => {
    const result = replay(happyPath(), { drain: true });
    expect(result.alerts).toEqual([]);
    expect(result.instances).toEqual([
      { workflow: 'order', correlationId: 'o-1', status: 'completed', late: false, missing: [] },
    ]);
  });

  it('waits for grace before calling a step missing: final once T ≥ deadline + grace', () => {
    const events = [ev('placed', 0, { attributes: { items: 1 } })];
    // paid is due at 2m; grace 30s: at T = 2m29.999s nothing yet, at 2m30s it is final.
    expect(kinds(replay(events, { at: 2 * MIN + 29_999 }))).toEqual([]);
    const result = replay(events, { at: 2 * MIN + 30 * SEC });
    expect(kinds(result)).toEqual(['step_overdue:paid']);
    expect(result.alerts[0]).toMatchObject({
      deadline: iso(2 * MIN),
      detectedAt: iso(2 * MIN + 30 * SEC),
      lateByMs: 30 * SEC,
      status: 'running',
      severity: 'high',
      missing: ['paid', 'reserved', 'picked', 'shipped'],
    });
  });

  it('a step that arrives within grace but after its deadline is late, alerted as soon as both are known', () => {
    const result = replay([ev('placed', 0, { attributes: { items: 1 } }), ev('paid', 2 * MIN + 10 * SEC)]);
    expect(kinds(result)).toEqual(['step_overdue:paid']);
    expect(result.alerts[0]).toMatchObject({ lateByMs: 10 * SEC, detectedAt: iso(2 * MIN + 10 * SEC) });
  });

  it('equal times are on time: done exactly at the deadline is not late', () => {
    const result = replay([ev('placed', 0, { attributes: { items: 1 } }), ev('paid', 2 * MIN)], {
      at: 3 * MIN,
    });
    expect(kinds(result)).toEqual([]);
  });

  it('a step alerted as missing that then arrives resolves its alert, once: one step_overdue per step', () => {
    const result = replay(
      [ev('placed', 0, { attributes: { items: 1 } }), ev('paid', 3 * MIN), ev('paid', 4 * MIN)],
      { at: 5 * MIN },
    );
    expect(kinds(result)).toEqual(['step_overdue:paid', 'step_overdue:paid (resolved)']);
    const [alert, resolution] = result.alerts;
    // The same alertId: a receiver closes what it opened.
    expect(resolution?.alertId).toBe(alert?.alertId);
    expect(resolution).toMatchObject({
      state: 'resolved',
      lateByMs: 1 * MIN,
      missing: ['reserved', 'picked', 'shipped'],
    });
    expect(alert?.state).toBeUndefined();
  });

  it('a step deadline counts from the latest of its after steps and is unknown until all are done', () => {
    const base = [
      ev('placed', 0, { attributes: { items: 1 } }),
      ev('paid', 1 * MIN),
      ev('reserved', 2 * MIN),
      ev('picked', 9 * MIN),
    ];
    // shipped is due 10m after the later of reserved (2m) and picked (9m): 19m, final at 19m30s,
    // but the workflow deadline (15m, final 15m30s) ends the instance first.
    const result = replay(base, { drain: true });
    expect(kinds(result)).toEqual(['workflow_timed_out']);
    expect(result.alerts[0]?.missing).toEqual(['shipped']);
    // Without picked, shipped has no deadline at all: only the workflow deadline and picked's own.
    const noPick = replay(base.slice(0, 3), { drain: true });
    expect(kinds(noPick)).toEqual(['step_overdue:picked', 'workflow_timed_out']);
  });

  it('a step without `within` has no deadline of its own; the workflow deadline still covers it', () => {
    const result = replay([ev('placed', 0, { attributes: { items: 0 } })], { drain: true });
    expect(kinds(result)).toEqual(['step_overdue:paid', 'workflow_timed_out']);
  });

  it('reads counts from an attribute of the `from` step; done at the count-th earliest event time', () => {
    const events = [
      ev('placed', 0, { attributes: { items: 3 } }),
      ev('paid', 30 * SEC),
      ev('reserved', 1 * MIN),
      ev('picked', 2 * MIN),
      ev('picked', 11 * MIN),
      ev('picked', 3 * MIN),
      ev('shipped', 12 * MIN),
    ];
    const result = replay(events, { drain: true });
    // The third pick (11m) is late against picked's 10m deadline: missing at 10m30s, then resolved.
    expect(kinds(result)).toEqual(['step_overdue:picked', 'step_overdue:picked (resolved)']);
    expect(result.alerts[0]?.lateByMs).toBe(1 * MIN);
    expect(result.instances[0]?.status).toBe('completed');
  });

  it('a count of 0 is done at once; a missing or non-numeric count attribute counts as 1 and is noted', () => {
    const zero = replay(
      [
        ev('placed', 0, { attributes: { items: 0 } }),
        ev('paid', 1 * MIN),
        ev('reserved', 2 * MIN),
        ev('shipped', 3 * MIN),
      ],
      { drain: true },
    );
    expect(zero.alerts).toEqual([]);
    expect(zero.instances[0]?.status).toBe('completed');

    const missing = replay(
      [
        ev('placed', 0, { attributes: { items: 'many' } }),
        ev('paid', 1 * MIN),
        ev('reserved', 2 * MIN),
        ev('picked', 3 * MIN),
        ev('shipped', 4 * MIN),
      ],
      { drain: true },
    );
    expect(missing.alerts).toEqual([]);
    expect(missing.instances[0]?.status).toBe('completed');
  });

  it('the workflow deadline: not complete when D is final → workflow_timed_out, status timed_out', () => {
    const result = replay(
      [
        ev('placed', 0, { attributes: { items: 1 } }),
        ev('paid', 1 * MIN),
        ev('reserved', 2 * MIN),
        ev('picked', 3 * MIN),
      ],
      {
        at: 15 * MIN + 30 * SEC,
      },
    );
    // shipped was due at 13m (10m after picked), final at 13m30s; the workflow at 15m30s.
    expect(kinds(result)).toEqual(['step_overdue:shipped', 'workflow_timed_out']);
    expect(result.alerts[1]).toMatchObject({
      status: 'timed_out',
      deadline: iso(15 * MIN),
      missing: ['shipped'],
    });
  });

  it('completed after D: completed_late, late: true', () => {
    const events = [
      ev('placed', 0, { attributes: { items: 1 } }),
      ev('paid', 1 * MIN),
      ev('reserved', 6 * MIN),
      ev('picked', 6 * MIN),
      ev('shipped', 15 * MIN + 10 * SEC),
    ];
    const result = replay(events, { drain: true });
    expect(kinds(result)).toEqual(['completed_late']);
    expect(result.alerts[0]).toMatchObject({
      status: 'completed',
      lateByMs: 10 * SEC,
      deadline: iso(15 * MIN),
    });
    expect(result.instances[0]).toMatchObject({ status: 'completed', late: true });
  });

  it('timed out, then completed: completed_late, and the timed-out alert resolved', () => {
    const events = [
      ev('placed', 0, { attributes: { items: 1 } }),
      ev('paid', 1 * MIN),
      ev('reserved', 6 * MIN),
      ev('picked', 6 * MIN),
      ev('shipped', 18 * MIN),
    ];
    const result = replay(events, { drain: true });
    expect(kinds(result)).toEqual(['workflow_timed_out', 'completed_late', 'workflow_timed_out (resolved)']);
    expect(result.alerts[1]).toMatchObject({ status: 'completed', lateByMs: 3 * MIN });
    expect(result.alerts[2]?.alertId).toBe(result.alerts[0]?.alertId);
    expect(result.instances[0]).toMatchObject({ status: 'completed', late: true });
  });

  it('a complete step with required steps missing waits out grace, then workflow_incomplete', () => {
    const events = [
      ev('placed', 0, { attributes: { items: 2 } }),
      ev('paid', 1 * MIN),
      ev('reserved', 2 * MIN),
      ev('picked', 3 * MIN),
      ev('shipped', 4 * MIN),
    ];
    expect(kinds(replay(events, { at: 4 * MIN + 29 * SEC }))).toEqual([]);
    // A straggler within grace completes it after all.
    const rescued = replay([...events, ev('picked', 4 * MIN + 20 * SEC)], { drain: true });
    expect(rescued.alerts).toEqual([]);
    expect(rescued.instances[0]?.status).toBe('completed');

    const result = replay(events, { drain: true });
    expect(kinds(result)).toEqual(['workflow_incomplete']);
    expect(result.alerts[0]).toMatchObject({
      status: 'incomplete',
      missing: ['picked'],
      deadline: iso(4 * MIN),
    });
  });

  it('a fail step: workflow_failed at once, status failed, nothing after', () => {
    const events = [
      ev('placed', 0, { attributes: { items: 1 } }),
      ev('paid', 20 * SEC, { status: 'failed' }),
      ev('declined', 21 * SEC),
    ];
    const result = replay(events, { drain: true });
    expect(kinds(result)).toEqual(['workflow_failed:declined']);
    expect(result.alerts[0]).toMatchObject({ status: 'failed', deadline: null, detectedAt: iso(21 * SEC) });
    expect(result.alerts[0]?.timeline.map((e) => `${e.step}/${e.status}`)).toEqual([
      'placed/succeeded',
      'paid/failed',
      'declined/succeeded',
    ]);
  });

  it('a cancel step: status cancelled, pending deadlines dropped, no alerts', () => {
    const result = replay([ev('placed', 0, { attributes: { items: 1 } }), ev('cancelled', 1 * MIN)], {
      drain: true,
    });
    expect(result.alerts).toEqual([]);
    expect(result.instances[0]?.status).toBe('cancelled');
  });

  it('failed and started events are attempts: recorded, but they end nothing', () => {
    const events = [
      ev('placed', 0, { attributes: { items: 1 } }),
      ev('paid', 10 * SEC, { status: 'started' }),
      ev('paid', 20 * SEC, { status: 'failed' }),
    ];
    const result = replay(events, { at: 3 * MIN });
    expect(kinds(result)).toEqual(['step_overdue:paid']);
    expect(result.alerts[0]?.timeline).toHaveLength(3);
  });

  it('a missing start: deadlines count from the first event; the start is among missing at timeout', () => {
    const result = replay([ev('paid', 0), ev('reserved', 1 * MIN)], { drain: true });
    // picked's count comes from the start, so it cannot be done; its deadline runs from the first event.
    expect(kinds(result)).toEqual(['step_overdue:picked', 'workflow_timed_out']);
    expect(result.alerts[1]).toMatchObject({
      deadline: iso(15 * MIN),
      missing: ['placed', 'picked', 'shipped'],
    });
  });

  it('the start arriving late moves deadlines to count from it', () => {
    const result = replay([ev('paid', 1 * MIN), ev('placed', 0, { attributes: { items: 1 } })], {
      at: 2 * MIN + 40 * SEC,
    });
    // reserved is due 5m after paid (1m); nothing is final at 2m40s: the start arrived, paid was on time.
    expect(kinds(result)).toEqual([]);
  });

  it('ended instances drop every pending deadline: one alert per problem', () => {
    const events = [ev('placed', 0, { attributes: { items: 1 } }), ev('declined', 10 * SEC)];
    expect(kinds(replay(events, { drain: true }))).toEqual(['workflow_failed:declined']);
  });

  it('later events are recorded on an ended instance but only a timed-out one moves again', () => {
    const result = replay(
      [
        ev('placed', 0, { attributes: { items: 1 } }),
        ev('declined', 10 * SEC),
        ev('paid', 20 * SEC),
        ev('shipped', 30 * SEC),
      ],
      { drain: true },
    );
    expect(kinds(result)).toEqual(['workflow_failed:declined']);
    expect(result.instances[0]?.status).toBe('failed');
  });

  it('duplicates by eventId change nothing and do not move T', () => {
    const placed = ev('placed', 0, { attributes: { items: 1 }, eventId: 'same' });
    const result = replay([placed, { ...placed, at: 10 * MIN }]);
    expect(result.stats.duplicates).toBe(1);
    expect(result.stats.observedTime).toBe(iso(0));
    expect(result.alerts).toEqual([]);
  });

  it('an unknown step of a known workflow is ignored, counted, and shown on the timeline as unknown', () => {
    const result = replay([ev('placed', 0, { attributes: { items: 1 } }), ev('payed', 10 * SEC)], {
      at: 2 * MIN + 30 * SEC,
    });
    expect(result.stats.ignored).toBe(1);
    expect(kinds(result)).toEqual(['step_overdue:paid']);
    expect(result.alerts[0]?.timeline[1]).toMatchObject({ step: 'payed', unknown: true });
  });

  it('deadlines final together: deadline order, then workflow, then correlation ID; steps before the workflow', () => {
    const events = [
      ev('placed', 0, { cid: 'b', attributes: { items: 1 } }),
      ev('placed', 0, { cid: 'a', attributes: { items: 1 } }),
      ev('placed', 1 * SEC, { cid: 'c', attributes: { items: 1 } }),
    ];
    const result = replay(events, { at: 20 * MIN });
    expect(result.alerts.map((a) => `${a.correlationId} ${a.kind}:${a.step ?? ''}`)).toEqual([
      'a step_overdue:paid',
      'b step_overdue:paid',
      'c step_overdue:paid',
      'a step_overdue:picked',
      'b step_overdue:picked',
      'c step_overdue:picked',
      'a workflow_timed_out:',
      'b workflow_timed_out:',
      'c workflow_timed_out:',
    ]);
    // All became final together at T = 20m, so all carry that detection time.
    expect(new Set(result.alerts.map((a) => a.detectedAt))).toEqual(new Set([iso(20 * MIN)]));
  });

  it('strict order: a step whose time precedes a step it comes after raises out_of_order', () => {
    const yaml = `
version: 1
workflows:
  signup:
    start: registered
    deadline: 1h
    strictOrder: true
    steps:
      sent: { within: 1m }
      verified: { after: sent, within: 30m }
`;
    const config = parseWorkflowFile(yaml, 'signup.yml');
    const events = [
      ev('registered', 0, { workflow: 'signup' }),
      ev('sent', 20 * SEC, { workflow: 'signup' }),
      ev('verified', 10 * SEC, { workflow: 'signup' }),
    ];
    const result = replay(events, { config, drain: true });
    expect(kinds(result)).toEqual(['out_of_order:verified']);
    expect(result.alerts[0]?.lateByMs).toBe(10 * SEC);
    expect(result.instances[0]?.status).toBe('completed');
  });
});
