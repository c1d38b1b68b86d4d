import { formatDuration } from './duration.js';
import type { StepModel, WorkflowConfig, WorkflowModel } from './model.js';

/** A file that is valid but probably not what its author meant. */
export interface StrictWarning {
  path: string;
  message: string;
}

/** What `overdue validate --strict` adds: settings that are allowed but cannot do what they say. */
export function strictWarnings(config: WorkflowConfig): StrictWarning[] {
  const warnings: StrictWarning[] = [];
  for (const model of config.workflows.values()) {
    for (const step of model.steps) {
      if (!step.underSteps) continue;
      const path = `workflows.${model.name}.steps.${step.name}`;
      if (step.withinMs !== undefined && step.withinMs > model.deadlineMs) {
        warnings.push({
          path: `${path}.within`,
          message: `within ${formatDuration(step.withinMs)} is longer than the workflow's deadline ${formatDuration(model.deadlineMs)}: the workflow times out before this step can be late`,
        });
      }
      if (!step.required && step.withinMs !== undefined) {
        warnings.push({
          path: `${path}.within`,
          message: 'an optional step is never alerted, so its within has no effect: drop one of the two',
        });
      }
      if (step.count !== undefined && 'from' in step.count && dependsOn(model, step.count.from, step.index)) {
        const from = model.steps[step.count.from] as StepModel;
        warnings.push({
          path: `${path}.count.from`,
          message: `count.from names ${from.name}, which comes after ${step.name}: the count is unknown until then, so ${step.name} cannot be done earlier`,
        });
      }
    }
  }
  return warnings;
}

/** True when step `a` comes (directly or not) after step `b`. */
function dependsOn(model: WorkflowModel, a: number, b: number): boolean {
  const seen = new Set<number>();
  const stack = [a];
  while (stack.length > 0) {
    const i = stack.pop() as number;
    for (const before of (model.steps[i] as StepModel).after) {
      if (before === b) return true;
      if (!seen.has(before)) {
        seen.add(before);
        stack.push(before);
      }
    }
  }
  return false;
}
