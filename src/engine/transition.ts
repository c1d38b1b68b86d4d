import type { TelemetryEvent } from '../events/telemetry.js';
import type { StepModel, WorkflowModel } from '../workflow/model.js';
import {
  ALERT_TIMELINE_ROWS,
  ALERT_TRACE_IDS,
  type Alert,
  type AlertKind,
  alertId,
  iso,
  keepEnds,
  type TimelineEntry,
} from './alert.js';
import { shortHash } from './hash.js';
import type { Instance, StatusCode, TimelineRow } from './instance.js';

/**
 * The pure engine: (instance, event | observed time) → (instance, alerts). No clock, no I/O.
 *
 * Ownership: the instance passed in is updated and returned (the same object), so that work per
 * event stays proportional to the workflow's size rather than to the instance's history. Callers
 * hand it over and use the returned one; they never keep the old reference around.
 */

/** What an event did to its instance, for the callers' counters. */
export type EventEffect = 'applied' | 'duplicate' | 'ignored' | 'recorded';

export interface Transition {
  instance: Instance;
  alerts: Alert[];
}

export interface EventTransition extends Transition {
  effect: EventEffect;
}

/**
 * A step's entry in one of the instance's maps. Own properties only: a step may be called
 * `constructor` or `toString`, which every plain object inherits.
 */
const own = <T>(map: Record<string, T>, key: string): T | undefined =>
  Object.hasOwn(map, key) ? map[key] : undefined;

const STATUS_CODE: Record<TelemetryEvent['status'], StatusCode> = { succeeded: 0, failed: 1, started: 2 };
const STATUS_NAME = ['succeeded', 'failed', 'started'] as const;

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
    ign: undefined,
    notes: undefined,
  };
}

// Dedup stays O(1) per event for instances with many events: past SMALL hashes, a Set is built
// once per instance object and kept on a non-enumerable symbol property that JSON does not see.
// Below that, a scan of a short array is faster than a Set and allocates nothing.
const SMALL = 32;
const SEEN = Symbol('seen');
type WithSeen = Instance & { [SEEN]?: Set<string> };

function hasSeen(instance: WithSeen, hash: string): boolean {
  if (instance.seen.length <= SMALL) return instance.seen.includes(hash);
  let set = instance[SEEN];
  if (!set) {
    set = new Set(instance.seen);
    Object.defineProperty(instance, SEEN, { value: set, enumerable: false });
  }
  return set.has(hash);
}

function markSeen(instance: WithSeen, hash: string): void {
  instance.seen.push(hash);
  instance[SEEN]?.add(hash);
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
): EventTransition {
  const instance = current ?? newInstance(workflow.name, event.correlationId);
  if (hasSeen(instance, hash)) return { instance, alerts: [], effect: 'duplicate' };

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
    return { instance, alerts, effect: 'ignored' }; // nothing changed, so neither did the wake-up
  }
  if (instance.t0 === undefined || event.time < instance.t0) instance.t0 = event.time;
  const effect = instance.st === 'running' || instance.st === 'timed_out' ? 'applied' : 'recorded';
  const step = workflow.steps[stepIndex] as StepModel;
  const succeeded = event.status === 'succeeded';
  // Done times are facts and stay up to date even after the end, so that what an ended instance
  // shows as missing does not depend on arrival order; only its status is settled.
  if (succeeded) recordSuccess(instance, workflow, step, event);
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
      return { instance, alerts, effect };
    }
  } else if (instance.st === 'timed_out' && succeeded) {
    resolveTimedOut(instance, workflow, now, alerts);
  }
  instance.wk = nextWake(instance, workflow);
  return { instance, alerts, effect };
}

/** What an instance remembers of an eventId; callers that check for duplicates first pass it on. */
export const eventHash = shortHash;

/** True when this event was already folded into the instance (same eventId hash). */
export function isDuplicate(instance: Instance | undefined, hash: string): boolean {
  return instance !== undefined && hasSeen(instance, hash);
}

function timelineRow(event: TelemetryEvent, step: string): TimelineRow {
  const { source, traceId, durationMs, coldStart, error } = event;
  const status = STATUS_CODE[event.status];
  // Trailing absent fields are left off: most events carry a source and a trace ID, and no more.
  if (error !== undefined) {
    return [
      step,
      status,
      event.time,
      source ?? null,
      traceId ?? null,
      durationMs ?? null,
      coldStart ?? null,
      error,
    ];
  }
  if (coldStart !== undefined) {
    return [step, status, event.time, source ?? null, traceId ?? null, durationMs ?? null, coldStart];
  }
  if (durationMs !== undefined)
    return [step, status, event.time, source ?? null, traceId ?? null, durationMs];
  if (traceId !== undefined) return [step, status, event.time, source ?? null, traceId];
  if (source !== undefined) return [step, status, event.time, source];
  return [step, status, event.time];
}

function recordSuccess(
  instance: Instance,
  workflow: WorkflowModel,
  step: StepModel,
  event: TelemetryEvent,
): void {
  const t = event.time;
  if (step.count === undefined) {
    const prev = own(instance.done, step.name);
    if (prev === undefined || t < prev) instance.done[step.name] = t;
  } else {
    const hits = (instance.hits ??= {});
    let times = own(hits, step.name);
    if (times === undefined) {
      times = [];
      hits[step.name] = times;
    }
    times.splice(insertionPoint(times, t), 0, t);
    updateCount(instance, step);
  }
  if (step.completes && (instance.cx === undefined || t < instance.cx)) instance.cx = t;

  for (const counted of step.feeds) {
    const target = workflow.steps[counted] as StepModel;
    const need = (instance.need ??= {});
    if (own(need, target.name) !== undefined || target.count === undefined || !('from' in target.count))
      continue;
    const attribute = target.count.attribute;
    const value = readCount(event.attributes?.[attribute]);
    if (value === undefined) {
      need[target.name] = 1;
      const raw = event.attributes?.[attribute];
      const seen = raw === undefined ? 'missing' : `${JSON.stringify(raw)?.slice(0, 60)}, not a whole number`;
      (instance.notes ??= []).push(
        `${target.name}: attribute ${attribute} of ${step.name} is ${seen}; counting 1`,
      );
    } else {
      need[target.name] = value;
      if (value === 0) instance.done[target.name] = t;
    }
    updateCount(instance, target);
  }
}

/** A counted step is done at its count-th earliest success; only that many times need keeping. */
function updateCount(instance: Instance, step: StepModel): void {
  const count = step.count;
  if (count === undefined) return;
  const need = 'fixed' in count ? count.fixed : instance.need && own(instance.need, step.name);
  const times = instance.hits && own(instance.hits, step.name);
  if (need === undefined || need === 0 || times === undefined) return;
  if (times.length > need) times.length = need;
  const done = times[need - 1];
  if (done !== undefined) instance.done[step.name] = done;
}

function insertionPoint(sorted: readonly number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function readCount(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
}

/**
 * Done times by step index (NaN: not done) in a buffer reused per workflow: the engine runs these
 * checks on every event, so they allocate nothing. Index 0 holds the start's actual time.
 */
interface Scratch {
  done: Float64Array;
  overdueKeys: string[];
}
const scratches = new WeakMap<WorkflowModel, Scratch>();

// The last one used, so that the usual case (one workflow's events in a row) skips the WeakMap.
let lastModel: WorkflowModel | undefined;
let lastScratch: Scratch | undefined;

function scratchFor(workflow: WorkflowModel): Scratch {
  if (workflow === lastModel && lastScratch) return lastScratch;
  let scratch = scratches.get(workflow);
  if (!scratch) {
    scratch = {
      done: new Float64Array(workflow.steps.length),
      overdueKeys: workflow.steps.map((s) => `step_overdue:${s.name}`),
    };
    scratches.set(workflow, scratch);
  }
  lastModel = workflow;
  lastScratch = scratch;
  return scratch;
}

/** `count: 0`: done as soon as the instance exists. */
const needsNone = (step: StepModel) =>
  step.count !== undefined && 'fixed' in step.count && step.count.fixed === 0;

/** Fills the scratch buffer; returns the time deadlines count from (NaN when there is none yet). */
function load(instance: Instance, workflow: WorkflowModel, done: Float64Array): number {
  const steps = workflow.steps;
  for (let i = 0; i < steps.length; i++) {
    const t = own(instance.done, (steps[i] as StepModel).name);
    done[i] = t === undefined ? Number.NaN : t;
  }
  const origin = Number.isNaN(done[0] as number) ? (instance.t0 ?? Number.NaN) : (done[0] as number);
  for (let i = 1; i < steps.length; i++) {
    if (needsNone(steps[i] as StepModel)) done[i] = origin;
  }
  return origin;
}

/** The latest done time among a step's `after` steps plus `within`; NaN until all are done. */
function stepDeadline(step: StepModel, done: Float64Array, origin: number): number {
  if (step.withinMs === undefined) return Number.NaN;
  let latest = Number.NEGATIVE_INFINITY;
  for (const a of step.after) {
    const t = a === 0 ? origin : (done[a] as number);
    if (Number.isNaN(t)) return Number.NaN;
    if (t > latest) latest = t;
  }
  return latest + step.withinMs;
}

const fired = (instance: Instance, key: string) => instance.fired?.includes(key) === true;

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
}

/** Every required step done and, where `complete` is given, one of its steps seen: the latest of those. */
function completionTime(workflow: WorkflowModel, done: Float64Array, instance: Instance): number {
  let latest = Number.NEGATIVE_INFINITY;
  for (const step of workflow.steps) {
    if (!step.required) continue;
    const t = done[step.index] as number;
    if (Number.isNaN(t)) return Number.NaN;
    if (t > latest) latest = t;
  }
  if (workflow.hasCompleteList) {
    if (instance.cx === undefined) return Number.NaN;
    if (instance.cx > latest) latest = instance.cx;
  }
  return latest;
}

/**
 * The earliest observed time at which a pending deadline becomes final (Infinity: none). Pending:
 * required steps not done whose deadline is known, a `complete` step seen early, the workflow's own.
 */
function earliestDue(instance: Instance, workflow: WorkflowModel, scratch: Scratch, origin: number): number {
  const { done, overdueKeys } = scratch;
  const grace = workflow.graceMs;
  let earliest = Number.POSITIVE_INFINITY;
  for (const step of workflow.steps) {
    if (!step.required || step.index === 0 || !Number.isNaN(done[step.index] as number)) continue;
    const due = stepDeadline(step, done, origin) + grace;
    if (due < earliest && !fired(instance, overdueKeys[step.index] as string)) earliest = due;
  }
  if (instance.cx !== undefined && instance.cx + grace < earliest) earliest = instance.cx + grace;
  const workflowDue = origin + workflow.deadlineMs + grace;
  if (workflowDue < earliest) earliest = workflowDue;
  return earliest;
}

/**
 * The earliest observed time at which advancing this instance could change anything, computed from
 * its state. Every transition stores it as `wk`; recomputing is for a changed workflow file.
 */
export function nextWake(instance: Instance, workflow: WorkflowModel): number | undefined {
  if (instance.st !== 'running') return undefined;
  const scratch = scratchFor(workflow);
  return wakeAt(instance, earliestDue(instance, workflow, scratch, load(instance, workflow, scratch.done)));
}

const wakeAt = (instance: Instance, due: number): number | undefined =>
  instance.st === 'running' && Number.isFinite(due) ? due : undefined;

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

function raise(
  instance: Instance,
  workflow: WorkflowModel,
  alerts: Alert[],
  now: number,
  kind: AlertKind,
  step: string | null,
  deadline: number | null,
  lateByMs: number,
): void {
  const key = step === null ? kind : `${kind}:${step}`;
  if (fired(instance, key)) return;
  (instance.fired ??= []).push(key);
  const full = timelineOf(instance, workflow);
  const { kept: timeline, trimmed } = keepEnds(full, ALERT_TIMELINE_ROWS);
  const traces = keepEnds(
    [...new Set(full.flatMap((e) => (e.traceId === undefined ? [] : [e.traceId])))],
    ALERT_TRACE_IDS,
  );
  const alert: Alert = {
    alertId: alertId(workflow.name, instance.id, kind, step),
    kind,
    workflow: workflow.name,
    correlationId: instance.id,
    step,
    severity: workflow.severity,
    status: instance.st,
    deadline: deadline === null ? null : iso(deadline),
    detectedAt: iso(now),
    lateByMs,
    missing: missingSteps(instance, workflow),
    timeline,
    traceIds: traces.kept,
  };
  // Rows the item-size policy dropped earlier are left out of the alert too: say so.
  const dropped = trimmed + (instance.tlx ?? 0);
  if (dropped > 0) alert.timelineTrimmed = dropped;
  if (traces.trimmed > 0) alert.traceIdsTrimmed = traces.trimmed;
  const counted = step === null ? undefined : countOf(instance, workflow, step);
  if (counted !== undefined) alert.count = counted;
  alerts.push(alert);
}

/** A counted step's progress: successes so far against the count (undefined while the count is unknown). */
function countOf(instance: Instance, workflow: WorkflowModel, name: string): Alert['count'] {
  const index = workflow.stepIndex.get(name);
  const count = index === undefined ? undefined : (workflow.steps[index] as StepModel).count;
  if (count === undefined) return undefined;
  const needed = 'fixed' in count ? count.fixed : instance.need && own(instance.need, name);
  if (needed === undefined) return undefined;
  const seen = (instance.hits && own(instance.hits, name))?.length ?? 0;
  return { seen: Math.min(seen, needed), needed };
}

/** Required steps not done yet, in workflow order. */
export function missingSteps(instance: Instance, workflow: WorkflowModel): string[] {
  return workflow.steps
    .filter((s) => s.required && own(instance.done, s.name) === undefined && !needsNone(s))
    .map((s) => s.name);
}

/** The recorded events by event time (arrival order among equal times), for people. */
export function timelineOf(instance: Instance, workflow: WorkflowModel): TimelineEntry[] {
  return instance.tl
    .map((row, arrival) => ({ row, arrival }))
    .sort((a, b) => a.row[2] - b.row[2] || a.arrival - b.arrival)
    .map(({ row: [step, status, time, source, traceId, durationMs, coldStart, error] }) => {
      const entry: TimelineEntry = { step, status: STATUS_NAME[status], time: iso(time) };
      if (source != null) entry.source = source;
      if (traceId != null) entry.traceId = traceId;
      if (durationMs != null) entry.durationMs = durationMs;
      if (coldStart != null) entry.coldStart = coldStart;
      if (error != null) entry.error = error;
      if (!workflow.stepIndex.has(step)) entry.unknown = true;
      return entry;
    });
}

export interface StepDeadline {
  step: string;
  required: boolean;
  /** A key of `steps` (an expected step), not a name only listed in complete/fail/cancel. */
  expected: boolean;
  /** Done time (for counted steps the count-th success), if done. */
  done: number | undefined;
  /** Known once every step it comes after is done; undefined for steps with no `within`. */
  deadline: number | undefined;
}

export interface Deadlines {
  /** The time deadlines count from: the start, or the first event until the start arrives. */
  origin: number | undefined;
  /** origin + the workflow deadline. */
  workflow: number | undefined;
  steps: StepDeadline[];
}

/** Every step's done time and deadline as the engine sees them now: for `overdue trace`. */
export function deadlinesOf(instance: Instance, workflow: WorkflowModel): Deadlines {
  const { done } = scratchFor(workflow);
  const origin = load(instance, workflow, done);
  const known = (t: number) => (Number.isNaN(t) ? undefined : t);
  return {
    origin: known(origin),
    workflow: known(origin + workflow.deadlineMs),
    steps: workflow.steps.slice(1).map((step) => ({
      step: step.name,
      required: step.required,
      expected: step.underSteps,
      done: known(done[step.index] as number),
      deadline: known(stepDeadline(step, done, origin)),
    })),
  };
}
