import { alertSubject, describeAlert } from '../alerts/format.js';
import type { Alert } from '../engine/alert.js';

/**
 * An alert as a Slack incoming-webhook message: the summary, the missing steps, the timeline and
 * links to the traces. `text` is the fallback notifications show; blocks are what the channel shows.
 */
export function slackMessage(alert: Alert & { traceLinks?: string[] }) {
  const resolved = alert.state === 'resolved';
  const lines = [`*${resolved ? ':white_check_mark: ' : ''}${mrkdwn(describeAlert(alert))}*`];
  if (alert.missing.length > 0)
    lines.push(`Missing: ${alert.missing.map((s) => `\`${mrkdwn(s)}\``).join(', ')}`);
  if (alert.incident) {
    const i = alert.incident;
    lines.push(
      `${i.count} instances; sources ${mrkdwn(i.sources.join(', ') || 'unknown')}; first ${mrkdwn(i.firstCorrelationId)}, last ${mrkdwn(i.lastCorrelationId)}`,
    );
  }
  const timeline = alert.timeline
    .slice(0, 15)
    .map((e) => `${e.time.slice(11, 23)}  ${e.step}  ${e.status}${e.source ? `  ${e.source}` : ''}`)
    .join('\n');
  const links = (alert.traceLinks ?? []).slice(0, 3).map((href, n) => `<${href}|trace ${n + 1}>`);
  const blocks: unknown[] = [{ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } }];
  if (timeline)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${mrkdwn(timeline)}\`\`\`` } });
  blocks.push({
    type: 'context',
    elements: [
      { type: 'mrkdwn', text: [...links, `alertId ${alert.alertId}`, `${alert.severity}`].join(' · ') },
    ],
  });
  return { text: alertSubject(alert), blocks };
}

/** Slack's mrkdwn treats &, < and > as markup. */
const mrkdwn = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
