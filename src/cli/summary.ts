import { formatDuration } from '../workflow/duration.js';
import type { StepModel, WorkflowConfig, WorkflowModel } from '../workflow/model.js';

/** What `overdue validate` prints for a valid file: each workflow at a glance. */
export function summarizeConfig(config: WorkflowConfig): string {
  const n = config.workflows.size;
  const out = [`${config.file}: valid, ${n} workflow${n === 1 ? '' : 's'}`];
  for (const model of config.workflows.values()) out.push('', ...summarizeWorkflow(model));
  const shared = [...config.stepOwners].filter(([, owners]) => owners.length > 1).map(([step]) => step);
  if (shared.length > 0) {
    out.push(
      '',
      `note: steps in more than one workflow (their events must name the workflow): ${shared.join(', ')}`,
    );
  }
  return `${out.join('\n')}\n`;
}

function summarizeWorkflow(model: WorkflowModel): string[] {
  const start = model.steps[0] as StepModel;
  const title = model.description ? `${model.name} — ${model.description}` : model.name;
  const lines = [
    title,
    `  start ${start.name} · deadline ${formatDuration(model.deadlineMs)} · grace ${formatDuration(model.graceMs)} · ` +
      `severity ${model.severity}${model.strictOrder ? ' · strict order' : ''}`,
  ];
  const expected = model.steps.filter((s) => s.underSteps);
  const width = Math.max(0, ...expected.map((s) => s.name.length));
  for (const step of expected) lines.push(`  ${step.name.padEnd(width)}  ${describeStep(step, model)}`);
  const names = (pick: (s: StepModel) => boolean) =>
    model.steps
      .filter(pick)
      .map((s) => s.name)
      .join(', ');
  const outcomes = [
    `completes when all required steps are done${model.hasCompleteList ? ` and one of ${names((s) => s.completes)} is seen` : ''}`,
  ];
  if (model.steps.some((s) => s.fails)) outcomes.push(`fails on ${names((s) => s.fails)}`);
  if (model.steps.some((s) => s.cancels)) outcomes.push(`cancelled by ${names((s) => s.cancels)}`);
  lines.push(`  ${outcomes.join(' · ')}`);
  return lines;
}

function describeStep(step: StepModel, model: WorkflowModel): string {
  const parts: string[] = [step.required ? 'required' : 'optional'];
  const after = step.after.map((i) => model.steps[i]?.name).join(', ');
  if (step.count !== undefined) {
    parts.push(
      'fixed' in step.count
        ? `×${step.count.fixed}`
        : `× ${step.count.attribute} of ${model.steps[step.count.from]?.name}`,
    );
  }
  parts.push(
    step.withinMs === undefined
      ? `after ${after}, no deadline of its own`
      : `within ${formatDuration(step.withinMs)} of ${after}`,
  );
  return parts.join(', ');
}
