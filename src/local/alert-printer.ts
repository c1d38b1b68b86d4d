import { styleText } from 'node:util';
import { describeAlert } from '../alerts/format.js';
import type { Alert } from '../engine/alert.js';

type Style = Parameters<typeof styleText>[0];

const SEVERITY_STYLE: Record<Alert['severity'], Style> = {
  critical: ['bold', 'red'],
  high: 'red',
  medium: 'yellow',
  low: 'cyan',
};

/**
 * An alert as dev mode prints it: one coloured line (time, kind, workflow, correlation ID, step, how
 * late), then the details a person needs to start looking: what is missing, the deadline, the last
 * events with their source and trace ID.
 */
export function formatAlert(alert: Alert, color: boolean): string {
  const paint = (style: Style, text: string) => (color ? styleText(style, text) : text);
  const time = alert.detectedAt.slice(11, 19);
  const head = [
    paint('dim', time),
    paint(SEVERITY_STYLE[alert.severity], alert.kind.toUpperCase().padEnd(19)),
    paint('bold', alert.workflow),
    describeAlert(alert).replace(/\s+\([a-z]+, at [^)]+\)$/, ''),
    paint('dim', `[${alert.severity}]`),
  ].join('  ');
  const details: string[] = [];
  if (alert.assertion) {
    // What the expression saw, step by step: the numbers to compare with the systems of record.
    const seen = Object.entries(alert.assertion.values).map(([step, v]) => `${step} ${JSON.stringify(v)}`);
    details.push(`saw ${seen.join(', ')}`);
  }
  if (alert.missing.length > 0) details.push(`missing: ${alert.missing.join(', ')}`);
  if (alert.deadline) details.push(`deadline ${alert.deadline.slice(11, 23)}`);
  const recent = alert.timeline
    .slice(-3)
    .map(
      (e) => `${e.step}${e.source ? ` (${e.source})` : ''}${e.status === 'succeeded' ? '' : ` ${e.status}`}`,
    );
  if (recent.length > 0) details.push(`last: ${recent.join(' → ')}`);
  if (alert.traceIds.length > 0) details.push(`trace ${alert.traceIds.at(-1)}`);
  const indent = ' '.repeat(10);
  return details.length === 0 ? head : `${head}\n${indent}${paint('dim', details.join(' · '))}`;
}
