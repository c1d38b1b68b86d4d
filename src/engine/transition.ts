import type { TelemetryEvent } from '../events/telemetry.js';
import type { StepModel, WorkflowModel } from '../workflow/model.js';
import type { Severity } from '../workflow/schema.js';
import {
  type Alert,
  type AlertKind,
  type AlertSubject,
  type AssertionOutcome,
  alertRecord,
} from './alert.js';
import { assertOnSuccess } from './assertions.js';
import { doneAt, type LatencySample, latestAfter } from './baselines.js';
import type { Instance } from './instance.js';

/**
 * The pure engine: (instance, event | observed time) → (instance, alerts). No clock, no I/O.
 *
 * Ownership: the instance passed in is updated and returned (the same object), so that work per
 * event stays proportional to the workflow's size rather than to the instance's history. Callers
 * hand it over and use the returned one; they never keep the old reference around.
 */

/** What an event did to its instance, for the callers' counters. */
import { countOf, recordSuccess } from './counts.js';
import {
  completionTime,
  earliestDue,
  fired,
  load,
  missingSteps,
  nextWake,
  scratchFor,
  stepDeadline,
  wakeAt,
} from './deadlines.js';
import { eventHash, hasSeen, markSeen } from './dedup.js';
import { timelineOf, timelineRow } from './timeline.js';

export { type Deadlines, deadlinesOf, missingSteps, nextWake, type StepDeadline } from './deadlines.js';
// The engine's API, from the modules it is made of.
export { eventHash, isDuplicate } from './dedup.js';
export { timelineOf } from './timeline.js';

/** What an event did to its instance, for the callers' counters. */
export type EventEffect = 'applied' | 'duplicate' | 'ignored' | 'recorded';

export interface Transition {
  instance: Instance;
  alerts: Alert[];
}

export interface EventTransition extends Transition {
  effect: EventEffect;
  /**
   * The latency in ms of the step this event completed, from the step it comes after (every expected
   * step with `allSamples`, otherwise those with `latency:`); sampleOf() gives the whole sample. A
   * number, not an object: the replayer folds it straight into its baselines, and an object per event
   * was most of what the samples cost the engine.
   */
  latencyMs?: number | undefined;
  /** The workflow's step the event is of; undefined for a name the workflow does not define. */
  step?: StepModel | undefined;
}

export function newInstance(workflow: string, correlationId: string): Instance {
  // Every key up front, in one order: all instances share one hidden class, so the engine's property
  // accesses stay monomorphic. JSON leaves the undefined ones out.
  return {
    v: 1,
    wf: workflow,
    id: correlationId,
    st: 'running',
    late: undefined,
    t0: undefined,
    done: {},
    hits: undefined,
    need: undefined,
    cx: undefined,
    end: undefined,
    wk: undefined,
    fired: undefined,
    seen: [],
    tl: [],
    tlx: undefined,
    lm: undefined,
    at: undefined,
    asr: undefined,
    ign: undefined,
    notes: undefined,
  };
}

/**
 * Folds one event into its instance at observed time `now`. Deadlines already final at `now` are
 * processed first, as if the clock had reached them before the event arrived.
 */
export function applyEvent(
  current: Instance | undefined,
  event: TelemetryEvent,
  workflow: WorkflowModel,
  now: number,
  hash: string = eventHash(event.eventId),
  /** Every expected step's latency (behaviour metrics, stats); otherwise only steps with `latency:`. */
  allSamples = false,
): EventTransition {
  const instance = current ?? newInstance(workflow.name, event.correlationId);
  if (hasSeen(instance, hash))
    return { instance, alerts: [], effect: 'duplicate', latencyMs: undefined, step: undefined };

  // A new instance had no deadlines before this event, so there is nothing to catch up on.
  const alerts: Alert[] = [];
  if (current?.wk !== undefined && current.wk <= now) advanceInto(instance, workflow, now, false, alerts);
  markSeen(instance, hash);
  const stepIndex = workflow.stepIndex.get(event.step);
  // The model's own string for a known step: one copy in memory, not one per event.
  instance.tl.push(
    timelineRow(event, stepIndex === undefined ? event.step : (workflow.steps[stepIndex] as StepModel).name),
  );

  if (stepIndex === undefined) {
    // Changes no state: not even the time deadlines count from.
    instance.ign = (instance.ign ?? 0) + 1;
    return { instance, alerts, effect: 'ignored', latencyMs: undefined, step: undefined }; // nothing changed, so neither did the wake-up
  }
  if (instance.t0 === undefined || event.time < instance.t0) instance.t0 = event.time;
  const effect = instance.st === 'running' || instance.st === 'timed_out' ? 'applied' : 'recorded';
  const step = workflow.steps[stepIndex] as StepModel;
  const succeeded = event.status === 'succeeded';
  // Done times are facts and stay up to date even after the end, so that what an ended instance
  // shows as missing does not depend on arrival order; only its status is settled.
  // Every expected step's latency feeds the behaviour metrics; those with `latency:` the baselines too.
  const wasDone = Object.hasOwn(instance.done, step.name);
  if (succeeded) recordSuccess(instance, workflow, step, event);
  // A step alerted as missing that arrives after all: its alert is resolved.
  if (succeeded && !wasDone && Object.hasOwn(instance.done, step.name))
    resolveOverdue(instance, workflow, step, now, alerts);
  const latencyMs = succeeded
    ? behaviour(instance, workflow, step, event, now, alerts, wasDone, allSamples)
    : undefined;
  if (instance.st === 'running') {
    if (succeeded && step.fails) {
      end(instance, 'failed', now, alerts, workflow, 'workflow_failed', step.name, null, 0);
    } else if (succeeded && step.cancels) {
      instance.st = 'cancelled';
      instance.end = now;
    } else {
      // Even an attempt may move t0, and so deadlines. Settling loads the state the wake-up needs.
      const origin = settle(instance, workflow, now, alerts);
      instance.wk = wakeAt(instance, earliestDue(instance, workflow, scratchFor(workflow), origin));
      return { instance, alerts, effect, latencyMs, step };
    }
  } else if (instance.st === 'timed_out' && succeeded) {
    resolveTimedOut(instance, workflow, now, alerts);
  }
  instance.wk = nextWake(instance, workflow);
  return { instance, alerts, effect, latencyMs, step };
}

/**
 * What a success means beyond deadlines: its latency sample, and the assertions it completes. Kept
 * out of applyEvent so that applyEvent stays small enough for V8 to inline its helpers into it.
 */
function behaviour(
  instance: Instance,
  workflow: WorkflowModel,
  step: StepModel,
  event: TelemetryEvent,
  now: number,
  alerts: Alert[],
  wasDone: boolean,
  allSamples: boolean,
): number | undefined {
  const tracked = step.underSteps && (allSamples || step.latency !== undefined) && !wasDone;
  const latencyMs = tracked ? stepLatencyMs(instance, workflow, step, event) : undefined;
  if (workflow.keepsAttributes[step.index] === true) {
    for (const outcome of assertOnSuccess(instance, workflow, step, event)) {
      raiseAssertion(instance, workflow, alerts, now, outcome);
    }
  }
  return latencyMs;
}

/**
 * The latency of a step that just became done: from the latest done time of its `after` steps (the
 * start by default) to its own. None while one of those is not done yet (it arrived out of order).
 */
function stepLatencyMs(
  instance: Instance,
  workflow: WorkflowModel,
  step: StepModel,
  event: TelemetryEvent,
): number | undefined {
  // A success of a counted step may leave it not done yet.
  const at = doneAt(instance, step, event);
  if (typeof at !== 'number') return undefined;
  const from = latestAfter(instance.done, workflow, step);
  return from === undefined ? undefined : at - from;
}

/**
 * The whole sample behind a transition's latencyMs, for callers that keep or report it (the
 * consumer's behaviour metrics, `overdue stats`): its step, event time, cold start and attempts
 * (the step's events up to its success, failed and started ones included).
 */
export function sampleOf(
  transition: EventTransition,
  event: TelemetryEvent,
  workflow: WorkflowModel,
): LatencySample | undefined {
  const { instance, step } = transition;
  if (transition.latencyMs === undefined || step === undefined) return undefined;
  let attempts = 0;
  for (const row of instance.tl) if (row[0] === step.name) attempts++;
  return {
    workflow: workflow.name,
    step: step.name,
    index: step.index,
    ms: transition.latencyMs,
    cold: event.coldStart === true,
    at: doneAt(instance, step, event) as number,
    attempts,
  };
}

/** After an event: late steps, order, completion. Only for a running instance. */
/** Returns the time deadlines count from, with the scratch buffer still loaded for this instance. */
function settle(instance: Instance, workflow: WorkflowModel, now: number, alerts: Alert[]): number {
  const { done } = scratchFor(workflow);
  const origin = load(instance, workflow, done);
  for (const step of workflow.steps) {
    if (!step.required || step.index === 0) continue;
    const t = done[step.index] as number;
    const deadline = stepDeadline(step, done, origin);
    if (t > deadline)
      raise(instance, workflow, alerts, now, 'step_overdue', step.name, deadline, t - deadline);
  }
  if (workflow.strictOrder) {
    for (const step of workflow.steps) {
      const t = done[step.index] as number;
      if (Number.isNaN(t) || step.index === 0) continue;
      for (const a of step.after) {
        const before = done[a] as number;
        if (t < before) {
          raise(instance, workflow, alerts, now, 'out_of_order', step.name, null, before - t);
          break;
        }
      }
    }
  }
  const completedAt = completionTime(workflow, done, instance);
  if (Number.isNaN(completedAt) || Number.isNaN(origin)) return origin;
  const deadline = origin + workflow.deadlineMs;
  if (completedAt > deadline) {
    instance.late = true;
    end(
      instance,
      'completed',
      now,
      alerts,
      workflow,
      'completed_late',
      null,
      deadline,
      completedAt - deadline,
    );
  } else {
    instance.st = 'completed';
    instance.end = now;
  }
  return origin;
}

/** A timed-out instance moves once more: when it completes after all, late. */
function resolveTimedOut(instance: Instance, workflow: WorkflowModel, now: number, alerts: Alert[]): void {
  const { done } = scratchFor(workflow);
  const origin = load(instance, workflow, done);
  const completedAt = completionTime(workflow, done, instance);
  if (Number.isNaN(completedAt) || Number.isNaN(origin)) return;
  const deadline = origin + workflow.deadlineMs;
  instance.late = true;
  const lateBy = Math.max(0, completedAt - deadline);
  end(instance, 'completed', now, alerts, workflow, 'completed_late', null, deadline, lateBy);
  raise(instance, workflow, alerts, now, 'workflow_timed_out', null, deadline, lateBy, true);
}

/** The resolution of a step_overdue raised while the step was missing, now that it is done. */
function resolveOverdue(
  instance: Instance,
  workflow: WorkflowModel,
  step: StepModel,
  now: number,
  alerts: Alert[],
): void {
  if (!fired(instance, `step_overdue:${step.name}`)) return;
  const { done } = scratchFor(workflow);
  const origin = load(instance, workflow, done);
  const deadline = stepDeadline(step, done, origin);
  const at = done[step.index] as number;
  raise(
    instance,
    workflow,
    alerts,
    now,
    'step_overdue',
    step.name,
    Number.isNaN(deadline) ? null : deadline,
    Number.isNaN(deadline) ? 0 : Math.max(0, at - deadline),
    true,
  );
}

/**
 * Moves observed time to `now`: processes the deadlines that became final, earliest first; those due
 * together go steps (by name) before the workflow's own. With `once`, only the earliest group, so a
 * caller can interleave many instances in global deadline order.
 */
export function advance(
  instance: Instance,
  workflow: WorkflowModel,
  now: number,
  options: { once?: boolean } = {},
): Transition {
  const alerts: Alert[] = [];
  advanceInto(instance, workflow, now, options.once === true, alerts);
  return { instance, alerts };
}

function advanceInto(
  instance: Instance,
  workflow: WorkflowModel,
  now: number,
  once: boolean,
  alerts: Alert[],
): void {
  const scratch = scratchFor(workflow);
  const grace = workflow.graceMs;
  while (instance.st === 'running') {
    const origin = load(instance, workflow, scratch.done);
    const due = earliestDue(instance, workflow, scratch, origin);
    if (!(due <= now)) {
      instance.wk = wakeAt(instance, due);
      return;
    }
    for (const i of workflow.byName) {
      const step = workflow.steps[i] as StepModel;
      if (!step.required || i === 0 || !Number.isNaN(scratch.done[i] as number)) continue;
      const deadline = stepDeadline(step, scratch.done, origin);
      if (deadline + grace !== due) continue;
      raise(instance, workflow, alerts, now, 'step_overdue', step.name, deadline, now - deadline);
    }
    if (instance.cx !== undefined && instance.cx + grace === due) {
      const deadline = instance.cx;
      end(
        instance,
        'incomplete',
        now,
        alerts,
        workflow,
        'workflow_incomplete',
        null,
        deadline,
        now - deadline,
      );
    } else if (origin + workflow.deadlineMs + grace === due) {
      const deadline = origin + workflow.deadlineMs;
      end(instance, 'timed_out', now, alerts, workflow, 'workflow_timed_out', null, deadline, now - deadline);
    }
    if (once) break;
  }
  instance.wk = nextWake(instance, workflow);
}

function end(
  instance: Instance,
  status: Instance['st'],
  now: number,
  alerts: Alert[],
  workflow: WorkflowModel,
  kind: AlertKind,
  step: string | null,
  deadline: number | null,
  lateByMs: number,
): void {
  instance.st = status;
  instance.end = now;
  raise(instance, workflow, alerts, now, kind, step, deadline, lateByMs);
}

/**
 * Raises an alert once per instance, kind and step; with `resolved`, its resolution, once: the same
 * alertId with `state: resolved`, so receivers close what they opened (PagerDuty, Alertmanager-style).
 */
function raise(
  instance: Instance,
  workflow: WorkflowModel,
  alerts: Alert[],
  now: number,
  kind: AlertKind,
  step: string | null,
  deadline: number | null,
  lateByMs: number,
  resolved = false,
): void {
  const key = `${resolved ? 'resolved:' : ''}${step === null ? kind : `${kind}:${step}`}`;
  if (fired(instance, key)) return;
  (instance.fired ??= []).push(key);
  const counted = step === null || resolved ? undefined : countOf(instance, workflow, step);
  const alert = alertRecord(
    { kind, step, deadline, detectedAt: now, lateByMs },
    { ...subjectOf(instance, workflow), ...(counted === undefined ? {} : { count: counted }) },
  );
  if (resolved) alert.state = 'resolved';
  alerts.push(alert);
}

/** Whose alert it is and what a person needs beside it: the instance as it stands now. */
function subjectOf(
  instance: Instance,
  workflow: WorkflowModel,
  severity: Severity = workflow.severity,
): AlertSubject {
  return {
    workflow: workflow.name,
    correlationId: instance.id,
    severity,
    status: instance.st,
    missing: missingSteps(instance, workflow),
    timeline: timelineOf(instance, workflow),
    // Rows the item-size policy dropped earlier are left out of the alert too: it says so.
    droppedRows: instance.tlx ?? 0,
  };
}

/** assertion_failed: at the assertion's own severity, once per assertion and instance. */
function raiseAssertion(
  instance: Instance,
  workflow: WorkflowModel,
  alerts: Alert[],
  now: number,
  outcome: AssertionOutcome,
): void {
  const key = `assertion_failed:${outcome.name}`;
  if (fired(instance, key)) return;
  (instance.fired ??= []).push(key);
  const severity = workflow.assertions.find((a) => a.name === outcome.name)?.severity ?? workflow.severity;
  alerts.push(
    alertRecord(
      {
        kind: 'assertion_failed',
        step: null,
        deadline: null,
        detectedAt: now,
        lateByMs: 0,
        assertion: outcome,
      },
      subjectOf(instance, workflow, severity),
    ),
  );
}
