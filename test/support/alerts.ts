import type { Alert } from '../../src/engine/alert.js';

/**
 * Alert `n` of a storm on one step: `step_overdue` of order `o-<n>`, high, raised at `at`. Tests and
 * benches override what they look at.
 */
export const anAlert = (n: number, at: number, more: Partial<Alert> = {}): Alert => ({
  alertId: `a-${n}`,
  kind: 'step_overdue',
  workflow: 'order',
  correlationId: `o-${n}`,
  step: 'payment.authorized',
  severity: 'high',
  status: 'running',
  deadline: null,
  detectedAt: new Date(at).toISOString(),
  lateByMs: 30_000,
  missing: [more.step ?? 'payment.authorized'],
  timeline: [],
  traceIds: [],
  ...more,
});
