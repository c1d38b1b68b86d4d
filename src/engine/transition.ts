import type { TelemetryEvent } from '../events/telemetry.js';
import type { StepModel, WorkflowModel } from '../workflow/model.js';
import { type Alert, type AlertKind, alertId, iso, type TimelineEntry } from './alert.js';
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

const STATUS_CODE: Record<TelemetryEvent['status'], StatusCode> = { succeeded: 0, failed: 1, started: 2 };
const STATUS_NAME = ['succeeded', 'failed', 'started'] as const;

export function newInstance(workflow: string, correlationId: string): Instance {
  return {
    v: 1,
    wf: workflow,
    id: correlationId,
    st: 'running',
    done: {},
    fired: [],
    seen: [],
    tl: [],
  };
}

// The eventId hashes as a Set, built once per instance object: dedup stays O(1) per event.
const seenSets = new WeakMap<Instance, Set<string>>();
function seenSet(instance: Instance): Set<string> {
  let set = seenSets.get(instance);
  if (!set) {
    set = new Set(instance.seen);
    seenSets.set(instance, set);
  }
  return set;
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
): EventTransition {
  const instance = current ?? newInstance(workflow.name, event.correlationId);
  const seen = seenSet(instance);
  const hash = shortHash(event.eventId);
  if (seen.has(hash)) return { instance, alerts: [], effect: 'duplicate' };

  // A new instance had no deadlines before this event, so there is nothing to catch up on.
  const alerts = current === undefined ? [] : advance(instance, workflow, now).alerts;
  seen.add(hash);
  instance.seen.push(hash);
  instance.tl.push(timelineRow(event));

  const stepIndex = workflow.stepIndex.get(event.step);
  if (stepIndex === undefined) {
    // Changes no state: not even the time deadlines count from.
    instance.ign = (instance.ign ?? 0) + 1;
    return { instance, alerts, effect: 'ignored' };
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
    } else settle(instance, workflow, now, alerts); // even an attempt may move t0, and so deadlines
  } else if (instance.st === 'timed_out' && succeeded) {
    resolveTimedOut(instance, workflow, now, alerts);
  }
  return { instance, alerts, effect };
}

/** True when this event was already folded into the instance (same eventId). */
export function isDuplicate(instance: Instance | undefined, eventId: string): boolean {
  return instance !== undefined && seenSet(instance).has(shortHash(eventId));
}

function timelineRow(event: TelemetryEvent): TimelineRow {
  const row: TimelineRow = [
    event.step,
    STATUS_CODE[event.status],
    event.time,
    event.source ?? null,
    event.traceId ?? null,
    event.durationMs ?? null,
    event.coldStart ?? null,
    event.error ?? null,
  ];
  while (row.length > 3 && row[row.length - 1] === null) row.pop();
  return row;
}

function recordSuccess(
  instance: Instance,
  workflow: WorkflowModel,
  step: StepModel,
  event: TelemetryEvent,
): void {
  const t = event.time;
  if (step.count === undefined) {
    const prev = instance.done[step.name];
    if (prev === undefined || t < prev) instance.done[step.name] = t;
  } else {
    const hits = (instance.hits ??= {});
    const times = (hits[step.name] ??= []);
    times.splice(insertionPoint(times, t), 0, t);
    updateCount(instance, step);
  }
  if (step.completes && (instance.cx === undefined || t < instance.cx)) instance.cx = t;

  for (const counted of step.feeds) {
    const target = workflow.steps[counted] as StepModel;
    const need = (instance.need ??= {});
    if (need[target.name] !== undefined || target.count === undefined || !('from' in target.count)) continue;
    const attribute = target.count.attribute;
    const value = readCount(event.attributes?.[attribute]);
    if (value === undefined) {
      need[target.name] = 1;
      (instance.notes ??= []).push(
        `${target.name}: attribute ${attribute} of ${step.name} is missing or not a whole number; counting 1`,
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
  const need = 'fixed' in count ? count.fixed : instance.need?.[step.name];
  const times = instance.hits?.[step.name];
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

/** Done times by step index, the start's actual time, and the time deadlines count from. */
interface View {
  done: (number | undefined)[];
  /** Undefined while the instance has seen only steps its workflow does not define. */
  origin: number | undefined;
}

function view(instance: Instance, workflow: WorkflowModel): View {
  const done = workflow.steps.map((s) => instance.done[s.name]);
  const origin = done[0] ?? instance.t0;
  workflow.steps.forEach((s, i) => {
    if (s.count !== undefined && 'fixed' in s.count && s.count.fixed === 0 && origin !== undefined) {
      done[i] = origin;
    }
  });
  return { done, origin };
}

/** The latest done time among a step's `after` steps plus `within`; undefined until all are done. */
function stepDeadline(step: StepModel, v: View): number | undefined {
  if (step.withinMs === undefined) return undefined;
  let latest = Number.NEGATIVE_INFINITY;
  for (const a of step.after) {
    const t = a === 0 ? v.origin : v.done[a];
    if (t === undefined) return undefined;
    if (t > latest) latest = t;
  }
  return latest + step.withinMs;
}

const fired = (instance: Instance, key: string) => instance.fired.includes(key);

/** After an event: late steps, order, completion. Only for a running instance. */
function settle(instance: Instance, workflow: WorkflowModel, now: number, alerts: Alert[]): void {
  const v = view(instance, workflow);
  for (const step of workflow.steps) {
    if (!step.required || step.index === 0) continue;
    const done = v.done[step.index];
    const deadline = stepDeadline(step, v);
    if (done === undefined || deadline === undefined || done <= deadline) continue;
    raise(instance, workflow, alerts, now, 'step_overdue', step.name, deadline, done - deadline);
  }
  if (workflow.strictOrder) {
    for (const step of workflow.steps) {
      const t = v.done[step.index];
      if (t === undefined || step.index === 0) continue;
      for (const a of step.after) {
        const before = v.done[a];
        if (before !== undefined && t < before) {
          raise(instance, workflow, alerts, now, 'out_of_order', step.name, null, before - t);
          break;
        }
      }
    }
  }
  const completedAt = completionTime(workflow, v, instance);
  if (completedAt === undefined || v.origin === undefined) return;
  const deadline = v.origin + workflow.deadlineMs;
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
}

/** A timed-out instance moves once more: when it completes after all, late. */
function resolveTimedOut(instance: Instance, workflow: WorkflowModel, now: number, alerts: Alert[]): void {
  const v = view(instance, workflow);
  const completedAt = completionTime(workflow, v, instance);
  if (completedAt === undefined || v.origin === undefined) return;
  const deadline = v.origin + workflow.deadlineMs;
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
    Math.max(0, completedAt - deadline),
  );
}

/** Every required step done and, where `complete` is given, one of its steps seen: the latest of those. */
function completionTime(workflow: WorkflowModel, v: View, instance: Instance): number | undefined {
  let latest = Number.NEGATIVE_INFINITY;
  for (const step of workflow.steps) {
    if (!step.required) continue;
    const t = v.done[step.index];
    if (t === undefined) return undefined;
    if (t > latest) latest = t;
  }
  if (workflow.hasCompleteList) {
    if (instance.cx === undefined) return undefined;
    if (instance.cx > latest) latest = instance.cx;
  }
  return latest;
}

type Pending = { due: number; rank: number; step?: StepModel; deadline: number };

/** Deadlines not yet final, each with the observed time at which it becomes final. */
function pending(instance: Instance, workflow: WorkflowModel, v: View): Pending[] {
  const grace = workflow.graceMs;
  const out: Pending[] = [];
  for (const i of workflow.byName) {
    const step = workflow.steps[i] as StepModel;
    if (!step.required || i === 0 || v.done[i] !== undefined) continue;
    const deadline = stepDeadline(step, v);
    if (deadline === undefined || fired(instance, `step_overdue:${step.name}`)) continue;
    out.push({ due: deadline + grace, rank: 0, step, deadline });
  }
  if (instance.cx !== undefined) out.push({ due: instance.cx + grace, rank: 1, deadline: instance.cx });
  if (v.origin !== undefined) {
    const deadline = v.origin + workflow.deadlineMs;
    out.push({ due: deadline + grace, rank: 2, deadline });
  }
  return out;
}

/** The earliest observed time at which advancing this instance could change anything. */
export function nextWake(instance: Instance, workflow: WorkflowModel): number | undefined {
  if (instance.st !== 'running') return undefined;
  let earliest: number | undefined;
  for (const p of pending(instance, workflow, view(instance, workflow))) {
    if (earliest === undefined || p.due < earliest) earliest = p.due;
  }
  return earliest;
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
  while (instance.st === 'running') {
    const v = view(instance, workflow);
    const all = pending(instance, workflow, v);
    let due = Number.POSITIVE_INFINITY;
    for (const p of all) if (p.due < due) due = p.due;
    if (due > now) break;
    for (const p of all) {
      if (p.due !== due || instance.st !== 'running') continue;
      if (p.rank === 0 && p.step) {
        raise(instance, workflow, alerts, now, 'step_overdue', p.step.name, p.deadline, now - p.deadline);
      } else if (p.rank === 1) {
        end(
          instance,
          'incomplete',
          now,
          alerts,
          workflow,
          'workflow_incomplete',
          null,
          p.deadline,
          now - p.deadline,
        );
      } else {
        end(
          instance,
          'timed_out',
          now,
          alerts,
          workflow,
          'workflow_timed_out',
          null,
          p.deadline,
          now - p.deadline,
        );
      }
    }
    if (options.once) break;
  }
  return { instance, alerts };
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
  instance.fired.push(key);
  const timeline = timelineOf(instance, workflow);
  alerts.push({
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
    traceIds: [...new Set(timeline.flatMap((e) => (e.traceId === undefined ? [] : [e.traceId])))],
  });
}

/** Required steps not done yet, in workflow order. */
export function missingSteps(instance: Instance, workflow: WorkflowModel): string[] {
  const v = view(instance, workflow);
  return workflow.steps.filter((s) => s.required && v.done[s.index] === undefined).map((s) => s.name);
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
