import { describeAlert } from '../alerts/format.js';
import type { Alert } from '../engine/alert.js';
import type { InstanceStatus } from '../engine/instance.js';
import type { ReplayResult } from './replayer.js';

// A fixed locale: the report must be the same on every machine.
const n = (value: number) => value.toLocaleString('en-US');

const STATUSES: InstanceStatus[] = ['running', 'completed', 'failed', 'timed_out', 'cancelled', 'incomplete'];

/** The `--json` document of design §6. */
export function replayJson(result: ReplayResult): string {
  const { alerts, instances, stats, invalidLines } = result;
  return `${JSON.stringify({ alerts, instances, stats, invalid: invalidLines }, null, 2)}\n`;
}

/** What happened, for a person: alerts by workflow and kind, then instances by status. */
export function replayReport(result: ReplayResult, title: string): string {
  const { stats } = result;
  const out: string[] = [title];
  out.push(
    `${n(stats.lines)} lines · ${n(stats.events)} events · ${n(stats.duplicates)} duplicates · ${n(stats.invalid)} invalid · ` +
      `${n(stats.ignored)} ignored (unknown step) · ${n(stats.instances)} instances · ${n(stats.alerts)} alerts`,
  );
  out.push(`observed time at the end: ${stats.observedTime ?? 'none (no valid event)'}`, '');

  const byWorkflow = new Map<string, Map<string, Alert[]>>();
  for (const alert of result.alerts) {
    const kinds = byWorkflow.get(alert.workflow) ?? new Map<string, Alert[]>();
    byWorkflow.set(alert.workflow, kinds);
    kinds.set(alert.kind, [...(kinds.get(alert.kind) ?? []), alert]);
  }
  if (byWorkflow.size === 0) out.push('No alerts.', '');
  for (const workflow of [...byWorkflow.keys()].sort()) {
    out.push(`${workflow}`);
    const kinds = byWorkflow.get(workflow) as Map<string, Alert[]>;
    for (const kind of [...kinds.keys()].sort()) {
      const alerts = kinds.get(kind) as Alert[];
      out.push(`  ${kind} (${alerts.length})`);
      for (const alert of alerts) out.push(`    ${describeAlert(alert)}`);
    }
    out.push('');
  }

  if (result.invalidLines.length > 0) {
    out.push(`Invalid lines (${stats.invalid})`);
    for (const bad of result.invalidLines.slice(0, 20))
      out.push(`  line ${bad.line}  ${bad.reason}  ${bad.message}`);
    if (stats.invalid > 20) out.push(`  … and ${stats.invalid - 20} more (--json lists up to 1000)`);
    out.push('');
  }

  const noted = result.instances.filter((i) => i.notes !== undefined);
  if (noted.length > 0) {
    out.push(`Problems in the events (${noted.length} instances)`);
    for (const i of noted.slice(0, 20))
      for (const note of i.notes ?? []) out.push(`  ${i.workflow} ${i.correlationId}: ${note}`);
    if (noted.length > 20) out.push(`  … and ${noted.length - 20} more instances (--json lists them all)`);
    out.push('');
  }

  out.push('Instances by status');
  const counts = new Map<string, Map<InstanceStatus, number>>();
  for (const i of result.instances) {
    const row = counts.get(i.workflow) ?? new Map<InstanceStatus, number>();
    counts.set(i.workflow, row);
    row.set(i.status, (row.get(i.status) ?? 0) + 1);
  }
  const width = Math.max(5, ...[...counts.keys()].map((w) => w.length));
  out.push(`  ${'workflow'.padEnd(width)}  ${STATUSES.map((s) => s.padStart(9)).join(' ')}`);
  const total = new Map<InstanceStatus, number>();
  for (const [workflow, row] of [...counts].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out.push(`  ${workflow.padEnd(width)}  ${STATUSES.map((s) => n(row.get(s) ?? 0).padStart(9)).join(' ')}`);
    for (const [s, n] of row) total.set(s, (total.get(s) ?? 0) + n);
  }
  out.push(`  ${'total'.padEnd(width)}  ${STATUSES.map((s) => n(total.get(s) ?? 0).padStart(9)).join(' ')}`);
  return `${out.join('\n')}\n`;
}
