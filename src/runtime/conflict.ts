import type { WorkflowModel } from '../workflow/model.js';
import { commit } from './commit.js';
import { VersionConflictError } from './errors.js';
import type { InstanceStore, MetricsSink, StoredInstance } from './ports.js';

/** What a change makes of the item read: a state to commit, or an answer that needs no write. */
export type Change<R> = { commit: StoredInstance; model: WorkflowModel | undefined } | { skip: R };

/**
 * The optimistic-concurrency loop both use cases share: apply a change to the item as read and
 * commit it conditionally; when someone else wrote first (the sweeper, the consumer, a retry), read
 * it again, consistently, and apply the change again. Re-applying is safe: events already in are
 * duplicates, and deadlines already processed have fired. Other errors are thrown, as is the
 * conflict once `retries` re-reads did not settle it.
 */
export async function commitWithRetry<R>(
  key: string,
  read: StoredInstance | undefined,
  apply: (current: StoredInstance | undefined) => Change<R>,
  deps: { store: InstanceStore; metrics: MetricsSink; clock: () => number },
  retries: number,
): Promise<{ committed: StoredInstance } | { skip: R }> {
  let current = read;
  for (let attempt = 0; ; attempt++) {
    const change = apply(current);
    if ('skip' in change) return change;
    try {
      await commit(deps.store, change.commit, change.model, deps.clock());
      return { committed: change.commit };
    } catch (error) {
      if (!(error instanceof VersionConflictError) || attempt >= retries) throw error;
      deps.metrics.count('versionConflicts');
      current = (await deps.store.getInstances([key], { consistent: true })).get(key);
    }
  }
}
