import type { Alert } from '../engine/alert.js';
import type { Instance } from '../engine/instance.js';
import { advance, nextWake } from '../engine/transition.js';
import type { WorkflowModel } from '../workflow/model.js';

/**
 * Late data (contract §3). An instance whose first event arrives after T has passed that event's
 * time plus grace (a producer catching up, a backfill) is judged on its own events, as `overdue
 * replay` of its events alone would judge it, until it has been quiet for grace; then it is judged
 * at T like any other, its pending deadlines processed one by one as `replay --drain` does.
 */

/** True when an instance's first event is late: T has passed its time plus grace. */
export const startsLate = (firstTime: number, observed: number, model: WorkflowModel): boolean =>
  observed > firstTime + model.graceMs;

/**
 * Leaves late mode once T has reached the end of the quiet period: processes each pending deadline
 * final by T at its own time (deadline + grace), earliest first, as replay's drain does.
 */
export function leaveLateMode(instance: Instance, model: WorkflowModel, observed: number): Alert[] {
  const late = instance.lm;
  if (late === undefined || observed < late[1]) return [];
  instance.lm = undefined;
  instance.wk = nextWake(instance, model);
  const alerts: Alert[] = [];
  while (instance.wk !== undefined && instance.wk <= observed) {
    alerts.push(...advance(instance, model, instance.wk, { once: true }).alerts);
  }
  return alerts;
}

/**
 * The wake-up to index for an instance in late mode: not before its quiet period ends, so that the
 * sweeper does not judge it at T while its events are still coming in.
 */
export function holdWhileLate(instance: Instance): void {
  const late = instance.lm;
  if (late !== undefined && instance.wk !== undefined && instance.wk < late[1]) instance.wk = late[1];
}
