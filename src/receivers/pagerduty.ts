import { alertSubject, describeAlert } from '../alerts/format.js';
import type { Alert } from '../engine/alert.js';
import type { Severity } from '../workflow/schema.js';

/** PagerDuty Events API v2: where events go (a different URL only for tests and EU accounts). */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

const SEVERITY: Record<Severity, 'info' | 'warning' | 'error' | 'critical'> = {
  low: 'info',
  medium: 'warning',
  high: 'error',
  critical: 'critical',
};

/**
 * An alert (or an incident) as a PagerDuty event: trigger, or resolve for a resolution, keyed by
 * `dedup_key` = the alertId (an incident's ID for an incident), so a resolution closes what its
 * alert opened and an incident's updates land on one PagerDuty incident.
 */
export function pagerDutyEvent(alert: Alert & { traceLinks?: string[] }, routingKey: string) {
  return {
    routing_key: routingKey,
    event_action: alert.state === 'resolved' ? 'resolve' : 'trigger',
    dedup_key: alert.alertId,
    payload: {
      summary: alertSubject(alert),
      source: `overdue/${alert.workflow}`,
      severity: SEVERITY[alert.severity],
      timestamp: alert.detectedAt,
      component: alert.step ?? undefined,
      group: alert.workflow,
      class: alert.kind,
      custom_details: {
        description: describeAlert(alert),
        correlationId: alert.correlationId,
        missing: alert.missing,
        deadline: alert.deadline,
        lateByMs: alert.lateByMs,
        timeline: alert.timeline.slice(0, 20),
        ...(alert.incident ? { incident: alert.incident } : {}),
        ...(alert.assertion ? { assertion: alert.assertion } : {}),
      },
    },
    links: (alert.traceLinks ?? []).slice(0, 5).map((href) => ({ href, text: 'trace' })),
  };
}
