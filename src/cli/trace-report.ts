import { iso } from '../engine/alert.js';
import { deadlinesOf, timelineOf } from '../engine/transition.js';
import type { StepBaseline } from '../inspect/instance.js';
import type { StoredInstance } from '../runtime/ports.js';
import { formatDuration } from '../workflow/duration.js';
import type { WorkflowModel } from '../workflow/model.js';

export type { StepBaseline };

const signed = (ms: number) => (ms >= 0 ? `+${formatDuration(ms)}` : `-${formatDuration(-ms)}`);

/**
 * "Why is this one stuck?": an instance's timeline with the gaps between steps, every step against
 * its deadline, what is still pending and when it becomes final, and the alerts raised. `now` is the
 * wall clock, for "final in 12s"; outcomes themselves follow event time.
 */

export function traceReport(
  stored: StoredInstance,
  model: WorkflowModel | undefined,
  now: number,
  baselines: ReadonlyMap<string, StepBaseline> = new Map(),
): string {
  const { instance } = stored;
  const out: string[] = [];
  const late = instance.late ? ', late' : '';
  out.push(`${instance.wf}  ${instance.id}  ${instance.st}${late}  (version ${stored.version})`);
  if (!model) {
    out.push(`  workflow ${instance.wf} is not in this workflow file: showing the stored state only`);
  }
  out.push('', 'timeline');
  const rows = model
    ? timelineOf(instance, model)
    : instance.tl.map((r) => ({ step: r[0], status: String(r[1]), time: iso(r[2]) }));
  let previous: number | undefined;
  for (const e of [...rows].sort((a, b) => Date.parse(a.time) - Date.parse(b.time))) {
    const t = Date.parse(e.time);
    const gap = previous === undefined ? '' : signed(t - previous);
    previous = t;
    const extra = [
      'source' in e && e.source ? e.source : '',
      'traceId' in e && e.traceId ? e.traceId : '',
      'durationMs' in e && e.durationMs !== undefined
        ? `${e.durationMs} ms${'coldStart' in e && e.coldStart ? ' cold' : ''}`
        : '',
      'error' in e && e.error ? `error: ${e.error}` : '',
      'unknown' in e && e.unknown ? 'UNKNOWN STEP (not in the workflow)' : '',
    ].filter(Boolean);
    out.push(
      `  ${e.time}  ${gap.padStart(7)}  ${e.step.padEnd(22)} ${e.status.padEnd(9)} ${extra.join('  ')}`.trimEnd(),
    );
  }
  if (rows.length === 0) out.push('  (no events)');

  if (model) {
    const d = deadlinesOf(instance, model);
    const grace = model.graceMs;
    out.push('', `steps (grace ${formatDuration(grace)})`);
    for (const s of d.steps) {
      if (!s.expected) continue; // fail and cancel steps are outcomes, not steps to wait for
      const name = `${s.step}${s.required ? '' : ' (optional)'}`.padEnd(30);
      out.push(`  ${name} ${stepLine(s.done, s.deadline, grace, now, instance.st === 'running')}`);
      const b = baselines.get(s.step);
      if (b) out.push(`  ${''.padEnd(30)} ${baselineLine(b)}`);
    }
    if (d.workflow !== undefined) {
      const state =
        instance.st !== 'running'
          ? ''
          : now >= d.workflow + grace
            ? '  final: the sweeper acts once its watermark passes it'
            : `  final at ${iso(d.workflow + grace)} (in ${formatDuration(d.workflow + grace - now)})`;
      out.push(`  ${'workflow deadline'.padEnd(30)} ${iso(d.workflow)}${state}`);
    } else {
      out.push(`  ${'workflow deadline'.padEnd(30)} unknown until a step of the workflow arrives`);
    }
    if (instance.cx !== undefined) out.push(`  complete step seen at ${iso(instance.cx)}`);
  }

  out.push('');
  out.push(`alerts raised: ${instance.fired?.join(', ') ?? 'none'}`);
  if (stored.pending.length > 0) {
    out.push(
      `not yet published (outbox): ${stored.pending.map((a) => `${a.kind}${a.step ? `:${a.step}` : ''}`).join(', ')}`,
    );
  }
  if (instance.wk !== undefined) out.push(`next wake-up: ${iso(instance.wk)}`);
  if (instance.ign) out.push(`events of unknown steps: ${instance.ign}`);
  if (instance.notes !== undefined) {
    out.push('', 'problems in the events');
    for (const note of instance.notes) out.push(`  ${note}`);
  }
  return `${out.join('\n')}\n`;
}

function stepLine(
  done: number | undefined,
  deadline: number | undefined,
  grace: number,
  now: number,
  running: boolean,
): string {
  if (done !== undefined) {
    if (deadline === undefined) return `done ${iso(done)}`;
    const slack = deadline - done;
    return `done ${iso(done)}  ${slack >= 0 ? `on time, ${formatDuration(slack)} to spare` : `${formatDuration(-slack)} LATE`} (deadline ${iso(deadline)})`;
  }
  if (deadline === undefined)
    return 'not done, no deadline yet (waits for the steps it comes after, or has no `within`)';
  if (!running) return `not done  (deadline ${iso(deadline)})`;
  const final = deadline + grace;
  return now >= final
    ? `MISSING  deadline ${iso(deadline)}, final ${formatDuration(now - final)} ago`
    : `pending  deadline ${iso(deadline)}, final at ${iso(final)} (in ${formatDuration(final - now)})`;
}

export function baselineLine(b: StepBaseline): string {
  const took = `took ${formatDuration(b.ms)} (${b.start})`;
  if (b.p99 === undefined) return `${took}: no ${b.start} baseline yet`;
  const verdict = b.ms > b.p99 ? 'BEYOND' : 'within';
  return `${took}: ${verdict} its ${b.start} baseline (p99 ${formatDuration(Math.round(b.p99))} over ${b.runs} runs)`;
}
