import { CronExpressionParser } from 'cron-parser';
import type { Alert } from '../engine/alert.js';
import type { WorkflowConfig, WorkflowModel } from '../workflow/model.js';

/**
 * Silences: "hold alerts of this workflow (step, kind) until then", set with `overdue silence` and
 * kept in the table (`M / silences`); and maintenance windows, recurring ones declared in the
 * workflow file. A silenced alert is recorded as ever (on its instance, where `trace` shows it, and
 * in the logs), only not published.
 */
export interface Silence {
  id: string;
  workflow: string;
  step?: string;
  kind?: string;
  /** Epoch ms. */
  from: number;
  until: number;
  reason: string;
  createdAt: number;
}

export interface SilenceState {
  silences: Silence[];
  version: number;
}

/** Silences in the table. */
export interface SilenceStore {
  getSilences(): Promise<SilenceState>;
  /** Conditional on the version read; throws VersionConflictError when someone wrote first. */
  putSilences(state: SilenceState): Promise<number>;
}

export interface Hold {
  /** The silence's ID, or `maintenance` for a window of the workflow file. */
  by: string;
  reason: string;
  until: number;
}

/** The maintenance window of a workflow that `now` falls in, if one does. */
export function inMaintenance(model: WorkflowModel | undefined, now: number): Hold | undefined {
  for (const window of model?.maintenance ?? []) {
    // The latest start at or before now (cron-parser's prev is strictly before its current date).
    const start = CronExpressionParser.parse(window.cron, { currentDate: new Date(now + 1), tz: 'UTC' })
      .prev()
      .getTime();
    if (now < start + window.durationMs) {
      return {
        by: 'maintenance',
        reason: window.reason ?? `maintenance window ${window.cron}`,
        until: start + window.durationMs,
      };
    }
  }
  return undefined;
}

export const matches = (s: Silence, a: Pick<Alert, 'workflow' | 'step' | 'kind'>, now: number): boolean =>
  now >= s.from &&
  now < s.until &&
  s.workflow === a.workflow &&
  (s.step === undefined || s.step === a.step) &&
  (s.kind === undefined || s.kind === a.kind);

/** What holds an alert back now: a silence, or its workflow's maintenance window. */
export function heldBy(
  alert: Alert,
  silences: readonly Silence[],
  config: WorkflowConfig,
  now: number,
): Hold | undefined {
  const silence = silences.find((s) => matches(s, alert, now));
  if (silence) return { by: silence.id, reason: silence.reason, until: silence.until };
  return inMaintenance(config.workflows.get(alert.workflow), now);
}
