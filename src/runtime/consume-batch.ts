import type { LatencySample } from '../engine/baselines.js';
import type { Instance } from '../engine/instance.js';
import { newInstance } from '../engine/transition.js';
import { mapLimit } from '../shared/map-limit.js';
import type { WorkflowConfig } from '../workflow/model.js';
import { OutcomeTally } from './activity.js';
import { type PublishDeps, publishPending } from './commit.js';
import { commitWithRetry } from './conflict.js';
import { type Fold, fold, type Group, type Pending } from './fold.js';
import { type LatencyCache, recordLatency } from './latency.js';
import type { ConsumerStore, QuarantinedRecord, StoredInstance } from './ports.js';
import { quarantined, readBatch, type StreamRecord } from './records.js';

export type { StreamRecord } from './records.js';

/** What a consumer container keeps between batches. */
export interface ConsumerCache {
  /**
   * Shard → watermark this container last saw, to skip reading it on every batch. A stale value is
   * only ever lower than the table's, which makes the consumer process fewer deadlines, never wrong ones.
   */
  readonly watermarks: Map<string, number>;
  /** The deployment's heartbeat secret, once read. */
  heartbeatKey?: Uint8Array;
  /** This container's shares of open latency windows (learned baselines). */
  latency?: LatencyCache;
}

export interface ConsumerDeps extends PublishDeps {
  store: ConsumerStore;
  config: WorkflowConfig;
  /** Wall clock: for metrics, expiry, the heartbeat bound and late instances' quiet periods. */
  clock: () => number;
  quarantineRetentionMs: number;
  /** Log the payload of quarantined records (off by default: payloads may hold personal data). */
  logPayloads: boolean;
  /** How far an event time (or a heartbeat) may be ahead of its arrival: producers' clocks drift. */
  maxSkewMs: number;
  cache?: ConsumerCache;
}

export interface ConsumeResult {
  /** The lowest sequence number not processed: Lambda retries the batch from it. */
  failedSequenceNumber: string | undefined;
  events: number;
  duplicates: number;
  invalid: number;
  writes: number;
}

/** Instances read and written at once: enough to hide latency, few enough not to throttle. */
const CONCURRENCY = 16;

const CONFLICT_RETRIES = 5;

/**
 * Folds a batch from one shard into the table. Records are grouped by instance; each instance is
 * read once, gets its events in sequence order and is written once, conditionally on the version
 * read. Bad records are quarantined, never thrown; one instance that cannot be judged or written
 * never stops the others. A failure that a retry can mend is reported as the lowest sequence number
 * not processed, so a retry redelivers it and everything after, which duplicate detection makes
 * harmless.
 */
export async function consumeBatch(
  records: readonly StreamRecord[],
  deps: ConsumerDeps,
): Promise<ConsumeResult> {
  const { store, metrics } = deps;
  const shardId = records[0]?.shardId;
  const result: ConsumeResult = {
    failedSequenceNumber: undefined,
    events: 0,
    duplicates: 0,
    invalid: 0,
    writes: 0,
  };
  if (shardId === undefined) return result;

  // Read: unpack, check heartbeats, parse, group by instance (in sequence order).
  const before = await shardWatermark(shardId, deps);
  const { groups, heartbeats, invalid } = await readBatch(records, deps);
  // The watermark after this batch's heartbeats: every instance is judged at it once all of its
  // events in the batch are folded in, so that a batch's own events are never called missing.
  const after = heartbeats.reduce((t, h) => Math.max(t, h.time), before);

  const failedAt: bigint[] = [];
  const committed: StoredInstance[] = [];
  const samples: LatencySample[] = [];
  const tally = new OutcomeTally();
  const all = [...groups.values()];
  const current = await store.getInstances(all.map((g) => g.key)).catch((error) => {
    deps.logger.error('could not read instances; the batch is retried', { error: String(error) });
    failedAt.push(...all.map((g) => g.events[0]?.seq as bigint));
    return undefined;
  });
  if (current) {
    await mapLimit(all, CONCURRENCY, async (group) => {
      const outcome = await foldAndWrite(
        group,
        current.get(group.key),
        { before, after },
        deps,
        result,
        samples,
        tally,
      );
      if (outcome === 'retry') failedAt.push(group.events[0]?.seq as bigint);
      else if (Array.isArray(outcome)) invalid.push(...outcome);
      else if (outcome !== 'unchanged') committed.push(outcome);
    });
  }
  await quarantine(invalid, deps).catch((error) => {
    deps.logger.error('could not quarantine invalid records; the batch is retried from the first', {
      error: String(error),
    });
    failedAt.push(...invalid.map((r) => BigInt(r.sequenceNumber)));
  });
  result.invalid = invalid.length;

  const firstFailure = lowest(failedAt);
  // The watermark may only pass heartbeats with nothing unprocessed before them; otherwise the
  // sweeper would think events were in that are still waiting for the retry.
  const safe = heartbeats.filter((h) => firstFailure === undefined || h.seq < firstFailure);
  let failure = firstFailure;
  if (safe.length > 0) {
    try {
      const time = Math.max(...safe.map((h) => h.time));
      await store.advanceWatermark(shardId, time);
      deps.cache?.watermarks.set(shardId, time);
    } catch (error) {
      deps.logger.error('could not record the watermark; the heartbeat is retried', { error: String(error) });
      const seq = safe[0]?.seq as bigint;
      failure = failure === undefined || seq < failure ? seq : failure;
    }
  }
  await publishPending(committed, deps);
  await recordLatency(samples, shardId, before, deps);
  await tally.flush(deps);

  metrics.count('batches');
  metrics.count('events', result.events);
  metrics.count('duplicates', result.duplicates);
  metrics.count('invalid', result.invalid);
  // Looked up among the records as delivered: an aggregate that did not unpack is not in `ordered`.
  result.failedSequenceNumber =
    failure === undefined
      ? undefined
      : records.find((r) => BigInt(r.sequenceNumber) === failure)?.sequenceNumber;
  return result;
}

async function shardWatermark(shardId: string, deps: ConsumerDeps): Promise<number> {
  const cached = deps.cache?.watermarks.get(shardId);
  if (cached !== undefined) return cached;
  const stored = (await deps.store.getWatermarks()).get(shardId);
  if (stored !== undefined) deps.cache?.watermarks.set(shardId, stored);
  return stored ?? Number.NEGATIVE_INFINITY;
}

async function quarantine(records: QuarantinedRecord[], deps: ConsumerDeps): Promise<void> {
  if (records.length === 0) return;
  await deps.store.quarantine(records, deps.clock() + deps.quarantineRetentionMs);
  for (const r of records) {
    deps.logger.warn('record quarantined', {
      reason: r.reason,
      message: r.message,
      shardId: r.shardId,
      sequenceNumber: r.sequenceNumber,
      ...(deps.logPayloads ? { payload: Buffer.from(r.payload).toString('utf8') } : {}),
    });
  }
}

/** What became of a group: written, nothing to write, set aside (quarantined), or to be retried. */
type Outcome = StoredInstance | 'unchanged' | 'retry' | QuarantinedRecord[];

/**
 * Applies a group's events to the instance and writes it once. On a version conflict (the sweeper
 * or a concurrent retry wrote first) it reads the item again and re-applies: events already folded
 * in are recognised as duplicates, so re-applying is safe.
 */
async function foldAndWrite(
  group: Group,
  read: StoredInstance | undefined,
  watermark: { before: number; after: number },
  deps: ConsumerDeps,
  result: ConsumeResult,
  samples: LatencySample[],
  outcomes: OutcomeTally,
): Promise<Outcome> {
  const first = group.events[0] as Pending;
  let before: string | undefined;
  let folded: Fold | undefined;
  let outcome: Awaited<ReturnType<typeof commitWithRetry<'unchanged'>>>;
  try {
    outcome = await commitWithRetry(
      group.key,
      read,
      (stored) => {
        const target: StoredInstance = stored ?? {
          key: group.key,
          instance: newInstance(group.model.name, first.event.correlationId),
          version: 0,
          pending: [],
          indexed: undefined,
        };
        before = target.instance.st;
        folded = undefined;
        try {
          folded = fold(target, group, watermark, stored === undefined, deps);
        } catch (error) {
          throw new JudgeError(error);
        }
        return folded.changed ? { commit: target, model: group.model } : { skip: 'unchanged' as const };
      },
      deps,
      CONFLICT_RETRIES,
    );
  } catch (error) {
    deps.metrics.count('commitFailures');
    if (error instanceof JudgeError) {
      // A fault of the monitor's own (the engine threw): retrying cannot mend it, and it must not
      // hold up the shard. The records are kept verbatim, with the reason, for a replay once fixed.
      deps.logger.error('could not judge instance; its records are quarantined', {
        workflow: group.model.name,
        correlationId: first.event.correlationId,
        error: String(error.cause),
      });
      return group.events.map((p) =>
        quarantined(p.record, 'unprocessable', `could not be judged: ${String(error.cause)}`),
      );
    }
    deps.logger.error('could not write instance; its records are retried', {
      workflow: group.model.name,
      correlationId: first.event.correlationId,
      error: String(error),
    });
    return 'retry';
  }
  const { changed, duplicates } = folded ?? { changed: false, duplicates: 0 };
  result.duplicates += duplicates;
  if ('skip' in outcome || !changed) return 'unchanged';
  // Only the attempt that was committed: a retry after a conflict folds the events again.
  samples.push(...(folded?.samples ?? []));
  result.writes++;
  result.events += group.events.length - duplicates;
  countOutcome(before as string, outcome.committed.instance, outcome.committed.version === 1, deps);
  if (before !== outcome.committed.instance.st) outcomes.add(outcome.committed.instance, deps.clock());
  return outcome.committed;
}

/** The engine threw on an instance: not the store's fault, and no retry will mend it. */
class JudgeError extends Error {
  override readonly name = 'JudgeError';
  constructor(cause: unknown) {
    super(String(cause), { cause });
  }
}

function countOutcome(before: string, instance: Instance, created: boolean, deps: ConsumerDeps): void {
  if (created) deps.metrics.count('workflowsStarted');
  if (before === instance.st) return;
  const metric = {
    completed: 'workflowsCompleted',
    failed: 'workflowsFailed',
    timed_out: 'workflowsTimedOut',
    incomplete: 'workflowsIncomplete',
    cancelled: 'workflowsCancelled',
    running: undefined,
  }[instance.st];
  if (metric) deps.metrics.count(metric);
  if (instance.st !== 'running')
    deps.metrics.count('outcomes', 1, { workflow: instance.wf, status: instance.st });
  if (instance.late) deps.metrics.count('workflowsLate');
}

function lowest(seqs: readonly bigint[]): bigint | undefined {
  let min: bigint | undefined;
  for (const s of seqs) if (min === undefined || s < min) min = s;
  return min;
}
