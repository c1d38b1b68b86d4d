import type { TelemetryEvent } from '../events/telemetry.js';
import type { StepModel, WorkflowModel } from '../workflow/model.js';
import type { Alert } from './alert.js';
import type { Instance } from './instance.js';

/** Done times of steps, and of counted steps (fan-outs): the facts that deadlines are judged on. */

/**
 * A step's entry in one of the instance's maps. Own properties only: a step may be called
 * `constructor` or `toString`, which every plain object inherits.
 */
export const own = <T extends number | number[]>(map: Record<string, T>, key: string): T | undefined => {
  // What every object inherits under such a name is a function (or, for __proto__, which the file
  // refuses, an object): never a number or an array. A type check is much cheaper than hasOwn.
  const value = map[key];
  return typeof value === 'number' || Array.isArray(value) ? value : undefined;
};

export function recordSuccess(
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

/** A counted step's progress: successes so far against the count (undefined while the count is unknown). */
export function countOf(instance: Instance, workflow: WorkflowModel, name: string): Alert['count'] {
  const index = workflow.stepIndex.get(name);
  const count = index === undefined ? undefined : (workflow.steps[index] as StepModel).count;
  if (count === undefined) return undefined;
  const needed = 'fixed' in count ? count.fixed : instance.need && own(instance.need, name);
  if (needed === undefined) return undefined;
  const seen = (instance.hits && own(instance.hits, name))?.length ?? 0;
  return { seen: Math.min(seen, needed), needed };
}
