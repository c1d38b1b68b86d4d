import type { StepModel, WorkflowModel } from '../workflow/model.js';
import { own } from './counts.js';
import type { Instance } from './instance.js';

/** Deadlines: when each becomes final, the next wake-up, and what is still missing. */

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

export function scratchFor(workflow: WorkflowModel): Scratch {
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
export function load(instance: Instance, workflow: WorkflowModel, done: Float64Array): number {
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
export function stepDeadline(step: StepModel, done: Float64Array, origin: number): number {
  if (step.withinMs === undefined) return Number.NaN;
  let latest = Number.NEGATIVE_INFINITY;
  for (const a of step.after) {
    const t = a === 0 ? origin : (done[a] as number);
    if (Number.isNaN(t)) return Number.NaN;
    if (t > latest) latest = t;
  }
  return latest + step.withinMs;
}

export const fired = (instance: Instance, key: string) => instance.fired?.includes(key) === true;

/** Every required step done and, where `complete` is given, one of its steps seen: the latest of those. */
export function completionTime(workflow: WorkflowModel, done: Float64Array, instance: Instance): number {
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
export function earliestDue(
  instance: Instance,
  workflow: WorkflowModel,
  scratch: Scratch,
  origin: number,
): number {
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

export const wakeAt = (instance: Instance, due: number): number | undefined =>
  instance.st === 'running' && Number.isFinite(due) ? due : undefined;

/** Required steps not done yet, in workflow order. */
export function missingSteps(instance: Instance, workflow: WorkflowModel): string[] {
  return workflow.steps
    .filter((s) => s.required && own(instance.done, s.name) === undefined && !needsNone(s))
    .map((s) => s.name);
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
