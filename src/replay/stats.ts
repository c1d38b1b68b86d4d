import { addSample, type LatencyWindow, newWindow } from '../engine/baselines.js';
import type { InstanceStatus } from '../engine/instance.js';
import { type EventTransition, sampleOf } from '../engine/transition.js';
import type { TelemetryEvent } from '../events/telemetry.js';
import { formatDuration } from '../workflow/duration.js';
import type { WorkflowConfig } from '../workflow/model.js';

/**
 * `overdue stats`: behaviour from a recording, per workflow and step. Latencies are DDSketches (the
 * baselines' own), cold and warm apart; attempts per success and failure rates from the events;
 * outcomes from the instances once replay has drained them. `suggest` proposes `within` and
 * `deadline` from the observed tails with a margin, beside what the file says.
 */

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface StepStats {
  step: string;
  /** Instances in which it was done. */
  done: number;
  latency: { warm: Percentiles | null; cold: Percentiles | null };
  attemptsPerSuccess: number | null;
  /** Failed events over failed and successful ones. */
  failureRate: number | null;
  /** What the file says, and what the tail suggests (`--suggest`). */
  withinMs: number | null;
  suggestedWithinMs?: number | null;
}

export interface WorkflowStats {
  workflow: string;
  instances: number;
  outcomes: Partial<Record<InstanceStatus, number>>;
  /** Start to completion, completed instances only. */
  latency: Percentiles | null;
  deadlineMs: number;
  suggestedDeadlineMs?: number | null;
  steps: StepStats[];
}

interface StepCounters {
  window: LatencyWindow;
  done: number;
  attempts: number;
  successes: number;
  failures: number;
}

export class StatsCollector {
  private readonly steps = new Map<string, Map<string, StepCounters>>();
  private readonly completed = new Map<string, LatencyWindow>();

  constructor(private readonly config: WorkflowConfig) {
    for (const model of config.workflows.values()) {
      const steps = new Map<string, StepCounters>();
      for (const step of model.steps) {
        if (step.underSteps)
          steps.set(step.name, { window: newWindow(), done: 0, attempts: 0, successes: 0, failures: 0 });
      }
      this.steps.set(model.name, steps);
      this.completed.set(model.name, newWindow());
    }
  }

  /** For the replayer's `onEvent`. */
  readonly event = (
    event: TelemetryEvent,
    result: EventTransition,
    statusBefore: InstanceStatus | undefined,
  ): void => {
    if (result.effect === 'duplicate' || result.effect === 'ignored') return;
    const model = this.config.workflows.get(event.workflow);
    const counters = this.steps.get(event.workflow)?.get(event.step);
    if (counters) {
      if (event.status === 'failed') counters.failures++;
      if (event.status === 'succeeded') counters.successes++;
    }
    // A sample is of the event's own step: the counters just found.
    const sample = counters && model && sampleOf(result, event, model);
    if (counters && sample) {
      addSample(counters.window, sample);
      counters.done++;
      counters.attempts += sample.attempts;
    }
    const { instance } = result;
    if (statusBefore !== 'completed' && instance.st === 'completed' && instance.t0 !== undefined) {
      this.completed.get(instance.wf)?.warm.accept(Math.max(0, event.time - instance.t0));
    }
  };

  finish(
    instances: readonly { workflow: string; status: InstanceStatus }[],
    options: { suggest?: boolean } = {},
  ): WorkflowStats[] {
    const out: WorkflowStats[] = [];
    for (const model of this.config.workflows.values()) {
      const outcomes: Partial<Record<InstanceStatus, number>> = {};
      let count = 0;
      for (const i of instances) {
        if (i.workflow !== model.name) continue;
        count++;
        outcomes[i.status] = (outcomes[i.status] ?? 0) + 1;
      }
      const latency = percentiles(this.completed.get(model.name)?.warm);
      const steps: StepStats[] = [];
      for (const step of model.steps) {
        const c = this.steps.get(model.name)?.get(step.name);
        if (!c) continue;
        const warm = percentiles(c.window.warm);
        const cold = percentiles(c.window.cold);
        const stats: StepStats = {
          step: step.name,
          done: c.done,
          latency: { warm, cold },
          attemptsPerSuccess: c.done === 0 ? null : round(c.attempts / c.done, 2),
          failureRate:
            c.failures + c.successes === 0 ? null : round(c.failures / (c.failures + c.successes), 4),
          withinMs: step.withinMs ?? null,
        };
        if (options.suggest)
          stats.suggestedWithinMs = suggest(Math.max(warm?.p99 ?? 0, cold?.p99 ?? 0) || undefined);
        steps.push(stats);
      }
      const row: WorkflowStats = {
        workflow: model.name,
        instances: count,
        outcomes,
        latency,
        deadlineMs: model.deadlineMs,
        steps,
      };
      if (options.suggest) row.suggestedDeadlineMs = suggest(latency?.p99);
      out.push(row);
    }
    return out;
  }
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

function percentiles(sketch: LatencyWindow['warm'] | undefined): Percentiles | null {
  if (sketch === undefined || sketch.count === 0) return null;
  const at = (q: number) => Math.round(sketch.getValueAtQuantile(q));
  return { count: sketch.count, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
}

/** Durations a person would write, smallest first. */
const NICE = [
  1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 10800,
  14400, 21600, 43200, 86400, 172800, 604800,
].map((s) => s * 1000);

/** The margin over the observed p99 a suggestion keeps: room for a slow day without alerts. */
export const SUGGEST_MARGIN = 1.5;

/** The smallest round duration at least the p99 times the margin. */
export function suggest(p99: number | undefined): number | null {
  if (p99 === undefined) return null;
  const want = p99 * SUGGEST_MARGIN;
  return NICE.find((n) => n >= want) ?? Math.ceil(want / 86_400_000) * 86_400_000;
}

/** For reading, not for copying: whole seconds past a minute, tenths past a second. */
const dur = (ms: number | null | undefined) => {
  if (ms === null || ms === undefined) return '—';
  const step = ms >= 60_000 ? 1000 : ms >= 1000 ? 100 : 1;
  return formatDuration(Math.round(ms / step) * step);
};

/** The human report: a block per workflow, a row per step. */
export function formatStats(rows: readonly WorkflowStats[], options: { suggest?: boolean } = {}): string {
  const out: string[] = [];
  for (const w of rows) {
    const outcomes = Object.entries(w.outcomes)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    out.push(`${w.workflow}: ${w.instances} instances (${outcomes || 'none'})`);
    const l = w.latency;
    out.push(
      `  start to completion: ${l ? `p50 ${dur(l.p50)}, p90 ${dur(l.p90)}, p99 ${dur(l.p99)} (${l.count} completed)` : 'no instance completed'}; deadline ${dur(w.deadlineMs)}${options.suggest ? ` → suggest ${dur(w.suggestedDeadlineMs)}` : ''}`,
    );
    const header = [
      'step',
      'done',
      'warm p50',
      'p90',
      'p99',
      'cold p50',
      'p99',
      'attempts',
      'failures',
      'within',
    ];
    if (options.suggest) header.push('suggest');
    const table = [header];
    for (const s of w.steps) {
      const row = [
        s.step,
        String(s.done),
        dur(s.latency.warm?.p50),
        dur(s.latency.warm?.p90),
        dur(s.latency.warm?.p99),
        dur(s.latency.cold?.p50),
        dur(s.latency.cold?.p99),
        s.attemptsPerSuccess === null ? '—' : s.attemptsPerSuccess.toFixed(2),
        s.failureRate === null ? '—' : `${(s.failureRate * 100).toFixed(1)}%`,
        dur(s.withinMs),
      ];
      if (options.suggest) row.push(dur(s.suggestedWithinMs));
      table.push(row);
    }
    const widths = header.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
    for (const r of table)
      out.push(
        `  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')}`,
      );
    out.push('');
  }
  if (options.suggest) {
    out.push(
      `Suggestions: the smallest round duration at least ${SUGGEST_MARGIN}× the observed p99 (cold starts included). A step's latency counts from the latest of the steps it comes after; the deadline from the start to completion.`,
    );
  }
  return `${out.join('\n')}\n`;
}
