import { describeAlert } from '../alerts/format.js';
import type { Alert } from '../engine/alert.js';
import type { InstanceStatus } from '../engine/instance.js';
import type { ReplayResult } from './replayer.js';

// A fixed locale: the report must be the same on every machine.
const n = (value: number) => value.toLocaleString('en-US');

const STATUSES: InstanceStatus[] = ['running', 'completed', 'failed', 'timed_out', 'cancelled', 'incomplete'];

/** Output is written in chunks of about this size: one write per alert would dominate the run. */
const CHUNK = 1 << 20;

/**
 * The `--json` document of contract §6, streamed: alerts are written as they are raised (the replayer
 * keeps none), the rest at the end. Compact, one alert per line, unless `pretty`.
 */
export class JsonReport {
  private buffer: string[] = [];
  private size = 0;
  private count = 0;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly pretty = false,
  ) {
    this.push('{"alerts":[');
  }

  /** For the replayer's `onAlert`. */
  readonly alert = (alert: Alert): void => {
    const text = this.pretty ? JSON.stringify(alert, null, 2).replace(/^/gm, '    ') : JSON.stringify(alert);
    this.push(`${this.count++ === 0 ? '\n' : ',\n'}${text}`);
  };

  /** True when enough is buffered to be worth a write: then `flush` between input chunks. */
  get full(): boolean {
    return this.size >= CHUNK;
  }

  async finish(result: ReplayResult): Promise<void> {
    const { instances, stats, invalidLines } = result;
    const field = (name: string, value: unknown) =>
      `,\n"${name}":${this.pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value)}`;
    this.push(`${this.count > 0 ? '\n' : ''}]`);
    // Instances one per line: a large replay has a hundred thousand of them.
    this.push(',\n"instances":[');
    instances.forEach((instance, i) => {
      this.push(`${i === 0 ? '\n' : ',\n'}${JSON.stringify(instance)}`);
    });
    this.push(`${instances.length > 0 ? '\n' : ''}]`);
    this.push(field('stats', stats));
    this.push(field('invalid', invalidLines));
    if (result.notes.length > 0) this.push(field('notes', result.notes));
    this.push('\n}\n');
    await this.flush();
  }

  private push(text: string): void {
    this.buffer.push(text);
    this.size += text.length;
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const text = this.buffer.join('');
    this.buffer = [];
    this.size = 0;
    if (!this.out.write(text)) await new Promise((resolve) => this.out.once('drain', resolve));
  }
}

/** How many alerts of each workflow and kind the human report lists, unless told to list all. */
export const LISTED_PER_KIND = 5;

interface KindSummary {
  count: number;
  bySteps: Map<string, number>;
  listed: Alert[];
}

/**
 * The human report, summarised as alerts come: counts per workflow, kind and step, and the first
 * few alerts of each kind (all with `all`). Memory and time grow with the number of kinds, not alerts.
 */
export class HumanReport {
  private readonly byWorkflow = new Map<string, Map<string, KindSummary>>();

  constructor(private readonly all = false) {}

  readonly alert = (alert: Alert): void => {
    let kinds = this.byWorkflow.get(alert.workflow);
    if (!kinds) {
      kinds = new Map();
      this.byWorkflow.set(alert.workflow, kinds);
    }
    let summary = kinds.get(alert.kind);
    if (!summary) {
      summary = { count: 0, bySteps: new Map(), listed: [] };
      kinds.set(alert.kind, summary);
    }
    summary.count++;
    if (alert.step !== null) summary.bySteps.set(alert.step, (summary.bySteps.get(alert.step) ?? 0) + 1);
    if (this.all || summary.listed.length < LISTED_PER_KIND) summary.listed.push(alert);
  };

  render(result: ReplayResult, title: string): string {
    const { stats } = result;
    const out: string[] = [title];
    out.push(
      `${n(stats.lines)} lines · ${n(stats.events)} events · ${n(stats.duplicates)} duplicates · ${n(stats.invalid)} invalid · ` +
        `${n(stats.ignored)} ignored (unknown step) · ${n(stats.instances)} instances · ${n(stats.alerts)} alerts`,
    );
    out.push(`observed time at the end: ${stats.observedTime ?? 'none (no valid event)'}`, '');

    if (this.byWorkflow.size === 0) out.push('No alerts.', '');
    let cut = false;
    for (const workflow of [...this.byWorkflow.keys()].sort()) {
      out.push(`${workflow}`);
      const kinds = this.byWorkflow.get(workflow) as Map<string, KindSummary>;
      for (const kind of [...kinds.keys()].sort()) {
        const { count, bySteps, listed } = kinds.get(kind) as KindSummary;
        const steps = [...bySteps].sort(([a], [b]) => (a < b ? -1 : 1));
        const perStep =
          steps.length > 1 ? `  by step: ${steps.map(([s, c]) => `${s} ${n(c)}`).join(' · ')}` : '';
        out.push(`  ${kind} (${n(count)})${perStep}`);
        for (const alert of listed) out.push(`    ${describeAlert(alert)}`);
        if (listed.length < count) {
          out.push(`    … and ${n(count - listed.length)} more`);
          cut = true;
        }
      }
      out.push('');
    }
    if (cut) out.push('(--all lists every alert; --json gives the records)', '');

    if (result.invalidLines.length > 0) {
      out.push(`Invalid lines (${n(stats.invalid)})`);
      for (const bad of result.invalidLines.slice(0, 20))
        out.push(`  line ${bad.line}  ${bad.reason}  ${bad.message}`);
      if (stats.invalid > 20) out.push(`  … and ${n(stats.invalid - 20)} more (--json lists up to 1000)`);
      out.push('');
    }

    if (result.notes.length > 0) {
      out.push(`Latency baselines (${result.notes.length} notes)`);
      for (const note of result.notes.slice(0, 20)) out.push(`  ${note}`);
      out.push('');
    }

    const noted = result.instances.filter((i) => i.notes !== undefined);
    if (noted.length > 0) {
      out.push(`Problems in the events (${noted.length} instances)`);
      for (const i of noted.slice(0, 20)) {
        for (const note of i.notes ?? []) out.push(`  ${i.workflow} ${i.correlationId}: ${note}`);
      }
      if (noted.length > 20) out.push(`  … and ${noted.length - 20} more instances (--json lists them all)`);
      out.push('');
    }

    out.push('Instances by status');
    const counts = new Map<string, Map<InstanceStatus, number>>();
    for (const i of result.instances) {
      let row = counts.get(i.workflow);
      if (!row) {
        row = new Map();
        counts.set(i.workflow, row);
      }
      row.set(i.status, (row.get(i.status) ?? 0) + 1);
    }
    const width = Math.max(5, ...[...counts.keys()].map((w) => w.length));
    out.push(`  ${'workflow'.padEnd(width)}  ${STATUSES.map((s) => s.padStart(9)).join(' ')}`);
    const total = new Map<InstanceStatus, number>();
    for (const [workflow, row] of [...counts].sort(([a], [b]) => (a < b ? -1 : 1))) {
      out.push(
        `  ${workflow.padEnd(width)}  ${STATUSES.map((s) => n(row.get(s) ?? 0).padStart(9)).join(' ')}`,
      );
      for (const [s, c] of row) total.set(s, (total.get(s) ?? 0) + c);
    }
    out.push(
      `  ${'total'.padEnd(width)}  ${STATUSES.map((s) => n(total.get(s) ?? 0).padStart(9)).join(' ')}`,
    );
    return `${out.join('\n')}\n`;
  }
}
