import { type Alert, keepEnds } from '../engine/alert.js';
import { describeShift } from '../engine/baselines.js';
import { formatDuration } from '../workflow/duration.js';

/** SNS wants a subject shorter than 100 characters, printable ASCII, on one line. */
export const MAX_SUBJECT = 99;
/** SNS's message limit is 256 KiB with attributes and subject; what is left for the record. */
export const MAX_MESSAGE_BYTES = 250_000;

/** One line a person reads in a mail subject or a chat notification. */
export function alertSubject(alert: Alert): string {
  const what = alert.step === null ? '' : ` ${alert.step}`;
  const late = alert.lateByMs > 0 ? ` (${formatDuration(alert.lateByMs)} late)` : '';
  const state = alert.state === 'resolved' ? 'RESOLVED ' : '';
  const text = `[${alert.severity}] ${state}${alert.kind} ${alert.workflow} ${alert.correlationId}${what}${late}`;
  // SNS refuses control characters and line breaks in a subject; non-ASCII shows badly in mail.
  const ascii = text.replace(/[^\u0020-\u007e]/g, '?');
  return ascii.length <= MAX_SUBJECT ? ascii : `${ascii.slice(0, MAX_SUBJECT - 3)}...`;
}

/**
 * The alert record as the message body. The engine already bounds an alert's timeline and trace IDs;
 * should a record still be over the limit (rows of 1 KB texts), it keeps fewer rows from each end of
 * both, adding what it leaves out to `timelineTrimmed` and `traceIdsTrimmed`.
 */
export function alertMessage(alert: Alert, maxBytes = MAX_MESSAGE_BYTES): string {
  const body = JSON.stringify(alert);
  if (Buffer.byteLength(body) <= maxBytes) return body;
  for (
    let keep = Math.floor(Math.max(alert.timeline.length, alert.traceIds.length) / 2);
    ;
    keep = Math.floor(keep / 2)
  ) {
    const timeline = keepEnds(alert.timeline, keep);
    const traces = keepEnds(alert.traceIds, keep);
    const trimmed = JSON.stringify({
      ...alert,
      timeline: timeline.kept,
      timelineTrimmed: (alert.timelineTrimmed ?? 0) + timeline.trimmed,
      traceIds: traces.kept,
      traceIdsTrimmed: (alert.traceIdsTrimmed ?? 0) + traces.trimmed,
    });
    if (Buffer.byteLength(trimmed) <= maxBytes || keep === 0) return trimmed;
  }
}

/** Filterable by subscribers: `{"kind": ["step_overdue"], "severity": ["high", "critical"]}`. */
export function alertAttributes(alert: Alert) {
  return {
    kind: { DataType: 'String', StringValue: alert.kind },
    workflow: { DataType: 'String', StringValue: alert.workflow },
    severity: { DataType: 'String', StringValue: alert.severity },
    // `{"state": ["firing"]}` keeps resolutions from subscribers that only want what is wrong.
    state: { DataType: 'String', StringValue: alert.state ?? 'firing' },
  };
}

/** One line for a person: correlation ID, step, what happened and how late. */
export function describeAlert(alert: Alert): string {
  // A latency shift is about a window of runs, not one instance: the window stands first.
  const parts =
    alert.kind === 'latency_shift' && alert.latency
      ? [`window ${alert.latency.windowStart.slice(11, 19)}–${alert.latency.windowEnd.slice(11, 19)}`]
      : [alert.correlationId];
  if (alert.step !== null) parts.push(alert.step);
  if (alert.incident) {
    const i = alert.incident;
    const what = `${i.count} instances with ${i.of}${alert.step ? ` ${alert.step}` : ''}`;
    parts.push(
      alert.state === 'resolved'
        ? `RESOLVED: ${what} in all, quiet since`
        : `${i.update === 0 ? 'opened' : `update ${i.update}`}: ${what} (first ${i.firstCorrelationId}, last ${i.lastCorrelationId}; sources ${i.sources.join(', ') || 'unknown'})`,
    );
    parts.push(`(${alert.severity}, at ${alert.detectedAt})`);
    return parts.join('  ');
  }
  if (alert.state === 'resolved') {
    parts.push(
      alert.kind === 'step_overdue'
        ? `RESOLVED: arrived ${formatDuration(alert.lateByMs)} after its deadline`
        : 'RESOLVED: completed after all',
    );
    parts.push(`(${alert.severity}, at ${alert.detectedAt})`);
    return parts.join('  ');
  }
  switch (alert.kind) {
    case 'step_overdue': {
      // Not "has a successful event": a counted step can have some and still be missing.
      const done = alert.step !== null && !alert.missing.includes(alert.step);
      const count = alert.count ? `${alert.count.seen} of ${alert.count.needed}, ` : '';
      parts.push(
        done
          ? `done ${formatDuration(alert.lateByMs)} late`
          : `missing, ${count}${formatDuration(alert.lateByMs)} past its deadline`,
      );
      break;
    }
    case 'workflow_timed_out':
    case 'workflow_incomplete':
      parts.push(`missing: ${alert.missing.join(', ') || 'none'}`);
      break;
    case 'completed_late':
      parts.push(`completed ${formatDuration(alert.lateByMs)} after its deadline`);
      break;
    case 'workflow_failed': {
      const failure = alert.timeline.find((e) => e.step === alert.step);
      if (failure?.source) parts.push(`from ${failure.source}`);
      break;
    }
    case 'out_of_order':
      parts.push(`${formatDuration(alert.lateByMs)} before the step it comes after`);
      break;
    case 'monitor_lagging':
      parts.push(`${formatDuration(alert.lateByMs)} behind`);
      break;
    case 'latency_shift':
      if (alert.latency) parts.push(describeShift(alert.latency));
      break;
    case 'assertion_failed':
      if (alert.assertion) {
        parts.push(alert.assertion.name, alert.assertion.error ?? `false: ${alert.assertion.expr}`);
      }
      break;
  }
  parts.push(`(${alert.severity}, at ${alert.detectedAt})`);
  return parts.join('  ');
}

/**
 * What an email subscriber reads instead of the raw record: what happened, what is missing, the
 * timeline, links to the traces, and the ID to find it again. Plain text, bounded in length.
 */
export function alertEmail(alert: Alert, traceLinks: readonly string[] = []): string {
  const lines = [describeAlert(alert), ''];
  lines.push(`workflow:        ${alert.workflow}`);
  lines.push(`correlation ID:  ${alert.correlationId}`);
  if (alert.step !== null) lines.push(`step:            ${alert.step}`);
  lines.push(`kind:            ${alert.kind}${alert.state === 'resolved' ? ' (resolved)' : ''}`);
  lines.push(`severity:        ${alert.severity}`);
  lines.push(`status:          ${alert.status}`);
  if (alert.deadline !== null) lines.push(`deadline:        ${alert.deadline}`);
  lines.push(`detected at:     ${alert.detectedAt}`);
  if (alert.missing.length > 0) lines.push(`missing:         ${alert.missing.join(', ')}`);
  if (alert.assertion) {
    lines.push(`assertion:       ${alert.assertion.name}: ${alert.assertion.expr}`);
    if (alert.assertion.error) lines.push(`                 ${alert.assertion.error}`);
    for (const [step, values] of Object.entries(alert.assertion.values)) {
      lines.push(`                 ${step}: ${JSON.stringify(values).slice(0, 300)}`);
    }
  }
  if (alert.timeline.length > 0) {
    lines.push('', 'timeline:');
    for (const e of alert.timeline.slice(0, 30)) {
      const extra = [
        e.source,
        e.durationMs === undefined ? undefined : `${e.durationMs} ms${e.coldStart ? ' cold' : ''}`,
        e.error,
      ]
        .filter(Boolean)
        .join('  ');
      lines.push(`  ${e.time}  ${e.step.padEnd(24)} ${e.status.padEnd(9)} ${extra}`.trimEnd());
    }
    const left = alert.timeline.length - 30 + (alert.timelineTrimmed ?? 0);
    if (left > 0) lines.push(`  … ${left} more rows (in the JSON record)`);
  }
  if (traceLinks.length > 0) {
    lines.push('', 'traces:');
    for (const link of traceLinks.slice(0, 5)) lines.push(`  ${link}`);
  }
  lines.push(
    '',
    `alertId ${alert.alertId}. The full record is this message's JSON for every other protocol.`,
  );
  return lines.join('\n');
}
