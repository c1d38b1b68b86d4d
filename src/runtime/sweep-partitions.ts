import { advance, nextWake } from '../engine/transition.js';
import { mapLimit } from '../shared/map-limit.js';
import type { WorkflowConfig } from '../workflow/model.js';
import { OutcomeTally } from './activity.js';
import { type PublishDeps, publishPending } from './commit.js';
import { type Change, commitWithRetry } from './conflict.js';
import { holdWhileLate, leaveLateMode } from './late.js';
import type { StoredInstance, SweeperStore } from './ports.js';

// Sweeping index partitions: what the sweeper does itself, or hands to its workers. T is given.

/** What sweeping a set of index partitions needs: no stream, no heartbeats, no monitor item. */
export interface PartitionSweepDeps extends PublishDeps {
  store: SweeperStore;
  config: WorkflowConfig;
  clock: () => number;
  /**
   * An item found before its wake-up is left where the index has it (and read again by later sweeps)
   * when its wake-up is at most this far off, rather than moved (two index writes). 0: always moved.
   */
  rereadWindowMs?: number;
}

/** One worker's share of a sweep: T as the coordinator established it, and the partitions to read. */
export interface SweepAssignment {
  observed: number | undefined;
  partitions: readonly string[];
  /** Wall clock by which the worker stops taking new work. */
  stopBy: number;
}

export interface PartitionSweepResult {
  due: number;
  written: number;
  alerts: number;
  failed: number;
  stoppedEarly: boolean;
  /** Alerts committed but not yet published (left in outboxes for the next sweep). */
  unpublished: number;
}

/**
 * Parallel sweep workers: the coordinator (heartbeats, T, lag, index epochs) hands each one a share
 * of the index partitions. On AWS a synchronous Lambda invocation each; in tests, a function call.
 */
export interface SweepWorkers {
  count: number;
  run(assignment: SweepAssignment): Promise<PartitionSweepResult>;
}

/** Index partitions read at once. */
const PARTITION_CONCURRENCY = 4;
/** Due instances advanced and written at once within a page. */
const ITEM_CONCURRENCY = 8;
const CONFLICT_RETRIES = 3;

/** Partitions dealt round-robin into at most `count` non-empty shares. */
export function assign(partitions: readonly string[], count: number): string[][] {
  const shares: string[][] = [];
  partitions.forEach((p, i) => {
    const n = i % Math.max(1, count);
    (shares[n] ??= []).push(p);
  });
  return shares;
}

/**
 * Runs every share at once. A worker that fails (or cannot be invoked) costs its share this sweep
 * only: its items stay due in the index and the next sweep reads them again.
 */
export async function fanOut(
  workers: SweepWorkers,
  shares: readonly string[][],
  observed: number | undefined,
  stopBy: number,
  deps: PartitionSweepDeps,
): Promise<PartitionSweepResult[]> {
  const settled = await Promise.allSettled(
    shares.map((partitions) => workers.run({ observed, partitions, stopBy })),
  );
  return settled.map((s, i) => {
    if (s.status === 'fulfilled') return s.value;
    deps.metrics.count('sweepFailures');
    deps.logger.error('a sweep worker failed; the next sweep reads its partitions again', {
      partitions: shares[i]?.length ?? 0,
      error: String(s.reason),
    });
    return { due: 0, written: 0, alerts: 0, failed: 1, stoppedEarly: false, unpublished: 0 };
  });
}

/**
 * Reads the given index partitions for items due by T, advances and writes each, and publishes
 * their alerts page by page, as soon as their items are committed: a large sweep neither holds
 * every touched item in memory nor makes the first alerts wait for the last page. What a sweep
 * worker runs, and what the sweeper runs itself without workers.
 */
export async function sweepPartitions(
  deps: PartitionSweepDeps,
  work: SweepAssignment,
): Promise<PartitionSweepResult> {
  const { observed, partitions, stopBy } = work;
  const result: PartitionSweepResult = {
    due: 0,
    written: 0,
    alerts: 0,
    failed: 0,
    stoppedEarly: false,
    unpublished: 0,
  };
  const until = observed ?? 0;
  const tally = new OutcomeTally();
  await mapLimit(partitions, PARTITION_CONCURRENCY, async (partition) => {
    try {
      for await (const keys of deps.store.dueKeys(partition, until)) {
        if (deps.clock() >= stopBy) {
          result.stoppedEarly = true;
          return;
        }
        result.due += keys.length;
        const items = await deps.store.getInstances(keys);
        const touched: StoredInstance[] = [];
        await mapLimit(keys, ITEM_CONCURRENCY, async (key) => {
          // A page can hold thousands of keys: check the time limit per item too.
          if (deps.clock() >= stopBy) {
            result.stoppedEarly = true;
            return;
          }
          const done = await advanceAndWrite(items.get(key), key, observed, deps, result, tally);
          if (done) touched.push(done);
        });
        result.alerts += touched.reduce((n, s) => n + s.pending.length, 0);
        await publishPending(touched, deps);
        result.unpublished += touched.reduce((n, s) => n + s.pending.length, 0);
      }
    } catch (error) {
      // One partition that cannot be read does not stop the others; the next sweep reads it again.
      result.failed++;
      deps.metrics.count('sweepFailures');
      deps.logger.error('could not read a partition of the index; the next sweep retries it', {
        partition,
        error: String(error),
      });
    }
  });
  await tally.flush(deps);
  return result;
}

async function advanceAndWrite(
  read: StoredInstance | undefined,
  key: string,
  observed: number | undefined,
  deps: PartitionSweepDeps,
  result: PartitionSweepResult,
  outcomes: OutcomeTally,
): Promise<StoredInstance | undefined> {
  const statusBefore = read?.instance.st;
  try {
    const outcome = await commitWithRetry(
      key,
      read,
      (stored): Change<StoredInstance | undefined> => {
        if (stored === undefined) return { skip: undefined }; // gone (expired) since the index said due
        const { instance } = stored;
        const model = deps.config.workflows.get(instance.wf);
        const wasDue = instance.wk;
        let changed = false;
        if (!model) {
          // Its workflow left the file: it can never be decided. Out of the index, expiring by TTL.
          deps.logger.warn('instance of a workflow no longer in the file; it will expire', {
            workflow: instance.wf,
            correlationId: instance.id,
          });
          instance.wk = undefined;
          changed = wasDue !== undefined;
        } else {
          // Written under another version of the file, its wake-up may be stale: recompute first.
          instance.wk = nextWake(instance, model);
          const wasLate = instance.lm !== undefined;
          if (observed !== undefined) {
            const alerts = [...leaveLateMode(instance, model, observed)];
            if (instance.lm === undefined) alerts.push(...advance(instance, model, observed).alerts);
            stored.pending.push(...alerts);
            changed = alerts.length > 0;
          }
          holdWhileLate(instance);
          changed ||= instance.wk !== wasDue || stored.pending.length === 0;
          // Found early (the consumer keeps an earlier wake-up in the index than the instance's):
          // nothing happened to it, and its real wake-up is near. Moving its index entry costs two
          // index writes; finding it again costs a read per sweep, far cheaper within the window.
          if (
            changed &&
            stored.pending.length === 0 &&
            !wasLate &&
            instance.wk !== undefined &&
            instance.wk === wasDue &&
            observed !== undefined &&
            instance.wk - observed <= (deps.rereadWindowMs ?? 0)
          ) {
            return { skip: stored };
          }
        }
        // An item that only had its outbox due needs no write: publishing clears it.
        if (!changed) return { skip: stored };
        // It came due, so whatever earlier wake-up the index held is spent: index the real one.
        stored.indexed = undefined;
        return { commit: stored, model };
      },
      deps,
      CONFLICT_RETRIES,
    );
    if ('skip' in outcome) return outcome.skip;
    result.written++;
    if (outcome.committed.instance.st !== statusBefore && outcome.committed.instance.st !== 'running') {
      deps.metrics.count('outcomes', 1, {
        workflow: outcome.committed.instance.wf,
        status: outcome.committed.instance.st,
      });
      outcomes.add(outcome.committed.instance, deps.clock());
    }
    return outcome.committed;
  } catch (error) {
    // This item only: it stays due in the index, so the next sweep retries it.
    result.failed++;
    deps.metrics.count('commitFailures');
    deps.logger.error('could not advance instance; the next sweep retries it', {
      key,
      error: String(error),
    });
    return undefined;
  }
}
