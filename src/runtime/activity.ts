import type { Alert } from '../engine/alert.js';
import type { Instance } from '../engine/instance.js';
import type { ActivityStore, LogSink, OutcomeCount } from './ports.js';

/**
 * The console's record of what happened lately (docs/console.md): outcomes per workflow and minute,
 * and the messages sent. Kept two days; never on the path that decides or publishes an alert, so a
 * failure here is logged and nothing else.
 */
export const ACTIVITY_RETENTION_MS = 2 * 24 * 3600_000;

export const isoMinute = (t: number) => new Date(t).toISOString().slice(0, 16);

/** Outcomes of a batch or a sweep, added up per workflow and minute, then written once each. */
export class OutcomeTally {
  private readonly counts = new Map<string, OutcomeCount>();

  /** An instance that just ended (its status moved off running), at wall-clock time `at`. */
  add(instance: Instance, at: number): void {
    if (instance.st === 'running') return;
    const minute = isoMinute(at);
    const key = `${instance.wf}\n${minute}`;
    let entry = this.counts.get(key);
    if (entry === undefined) {
      entry = { workflow: instance.wf, minute, counts: {} };
      this.counts.set(key, entry);
    }
    entry.counts[instance.st] = (entry.counts[instance.st] ?? 0) + 1;
    if (instance.late) entry.counts.late = (entry.counts.late ?? 0) + 1;
  }

  async flush(deps: { store: ActivityStore; logger: LogSink; clock: () => number }): Promise<void> {
    if (this.counts.size === 0) return;
    const counts = [...this.counts.values()];
    this.counts.clear();
    await deps.store
      .addOutcomes(counts, deps.clock() + ACTIVITY_RETENTION_MS)
      .catch((error) =>
        deps.logger.warn('could not record outcomes for the console', { error: String(error) }),
      );
  }
}

/** Records the messages that went out; a failure only costs the console a line. */
export async function recordSent(
  sent: readonly Alert[],
  deps: { store: Pick<ActivityStore, 'recordSent'>; logger: LogSink; clock: () => number },
): Promise<void> {
  if (sent.length === 0) return;
  const at = deps.clock();
  await deps.store
    .recordSent(sent, at, at + ACTIVITY_RETENTION_MS)
    .catch((error) =>
      deps.logger.warn('could not record sent alerts for the console', { error: String(error) }),
    );
}
