import type { Instance } from '../engine/instance.js';
import { applyEvent, eventHash, isDuplicate, newInstance } from '../engine/transition.js';
import { parseEvent } from '../events/parse.js';
import type { TelemetryEvent } from '../events/telemetry.js';
import { mapLimit } from '../shared/map-limit.js';
import { VersionConflictError } from '../store/errors.js';
import { instancePk } from '../store/keys.js';
import type { WorkflowConfig, WorkflowModel } from '../workflow/model.js';
import { commit, type PublishDeps, publishPending } from './commit.js';
import { heartbeatTime } from './heartbeat.js';
import type { QuarantinedRecord, StoredInstance } from './ports.js';

/** One Kinesis record, whatever delivered it (Lambda's event source mapping, or the dev poller). */
export interface StreamRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly data: Uint8Array;
  /** approximateArrivalTimestamp, epoch ms. */
  readonly arrival: number;
}

export interface ConsumerDeps extends PublishDeps {
  config: WorkflowConfig;
  /** Wall clock: for metrics and expiry only; outcomes follow event time and watermarks. */
  clock: () => number;
  quarantineRetentionMs: number;
  /** Log the payload of quarantined records (off by default: payloads may hold personal data). */
  logPayloads: boolean;
  /**
   * Shard → watermark this container last saw, to skip reading it on every batch. A stale value is
   * only ever lower than the table's, which makes the consumer process fewer deadlines, never wrong ones.
   */
  watermarkCache?: Map<string, number>;
}

export interface ConsumeResult {
  /** The lowest sequence number not processed: Lambda retries the batch from it. */
  failedSequenceNumber: string | undefined;
  events: number;
  duplicates: number;
  invalid: number;
  writes: number;
}

interface Pending {
  readonly event: TelemetryEvent;
  readonly hash: string;
  readonly seq: bigint;
  /** The shard's watermark when this record was read: the observed time it is applied at. */
  readonly observed: number;
}

interface Group {
  readonly key: string;
  readonly model: WorkflowModel;
  readonly events: Pending[];
}

/** Instances read and written at once: enough to hide latency, few enough not to throttle. */
const CONCURRENCY = 16;
const CONFLICT_RETRIES = 5;

/**
 * Folds a batch from one shard into the table. Records are grouped by instance; each instance is
 * read once, gets its events in sequence order and is written once, conditionally on the version
 * read. Bad records are quarantined, never thrown. A failure is reported as the lowest sequence
 * number not processed, so a retry redelivers it and everything after, which duplicates detection
 * makes harmless.
 */
export async function consumeBatch(
  records: readonly StreamRecord[],
  deps: ConsumerDeps,
): Promise<ConsumeResult> {
  const { store, metrics, config } = deps;
  const wall = deps.clock();
  const shardId = records[0]?.shardId;
  const result: ConsumeResult = {
    failedSequenceNumber: undefined,
    events: 0,
    duplicates: 0,
    invalid: 0,
    writes: 0,
  };
  if (shardId === undefined) return result;

  const ordered = [...records].sort((a, b) => compareSeq(BigInt(a.sequenceNumber), BigInt(b.sequenceNumber)));
  let observed = await shardWatermark(shardId, deps);
  const groups = new Map<string, Group>();
  const heartbeats: { seq: bigint; time: number }[] = [];
  const invalid: QuarantinedRecord[] = [];
  for (const record of ordered) {
    const seq = BigInt(record.sequenceNumber);
    const beat = heartbeatTime(record.data);
    if (beat !== undefined) {
      heartbeats.push({ seq, time: beat });
      if (beat > observed) observed = beat;
      continue;
    }
    const parsed = parseEvent(record.data, config);
    if (!parsed.ok) {
      invalid.push({ ...record, payload: record.data, reason: parsed.reason, message: parsed.message });
      continue;
    }
    const event = parsed.event;
    metrics.timing('ingestLag', wall - record.arrival);
    metrics.timing('eventTimeSkew', record.arrival - event.time);
    const key = instancePk(event.workflow, event.correlationId);
    let group = groups.get(key);
    if (!group) {
      group = { key, model: config.workflows.get(event.workflow) as WorkflowModel, events: [] };
      groups.set(key, group);
    }
    group.events.push({ event, hash: eventHash(event.eventId), seq, observed });
  }

  const failedAt: bigint[] = [];
  const quarantined = quarantine(invalid, deps).catch((error) => {
    deps.logger.error('could not quarantine invalid records; the batch is retried from the first', {
      error: String(error),
    });
    failedAt.push(...invalid.map((r) => BigInt(r.sequenceNumber)));
  });
  const committed: StoredInstance[] = [];
  const all = [...groups.values()];
  const current = await store.getInstances(all.map((g) => g.key)).catch((error) => {
    deps.logger.error('could not read instances; the batch is retried', { error: String(error) });
    failedAt.push(...all.map((g) => g.events[0]?.seq as bigint));
    return undefined;
  });
  if (current) {
    await mapLimit(all, CONCURRENCY, async (group) => {
      const outcome = await foldAndWrite(group, current.get(group.key), deps, result);
      if (outcome === 'failed') failedAt.push(group.events[0]?.seq as bigint);
      else if (outcome !== 'unchanged') committed.push(outcome);
    });
  }
  await quarantined;
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
      deps.watermarkCache?.set(shardId, time);
    } catch (error) {
      deps.logger.error('could not record the watermark; the heartbeat is retried', { error: String(error) });
      const seq = safe[0]?.seq as bigint;
      failure = failure === undefined || seq < failure ? seq : failure;
    }
  }
  await publishPending(committed, deps);

  metrics.count('batches');
  metrics.count('events', result.events);
  metrics.count('duplicates', result.duplicates);
  metrics.count('invalid', result.invalid);
  result.failedSequenceNumber =
    failure === undefined
      ? undefined
      : ordered.find((r) => BigInt(r.sequenceNumber) === failure)?.sequenceNumber;
  return result;
}

async function shardWatermark(shardId: string, deps: ConsumerDeps): Promise<number> {
  const cached = deps.watermarkCache?.get(shardId);
  if (cached !== undefined) return cached;
  const stored = (await deps.store.getWatermarks()).get(shardId);
  if (stored !== undefined) deps.watermarkCache?.set(shardId, stored);
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

/**
 * Applies a group's events to the instance and writes it once. On a version conflict (the sweeper
 * or a concurrent retry wrote first) it reads the item again and re-applies: events already folded
 * in are recognised as duplicates, so re-applying is safe.
 */
async function foldAndWrite(
  group: Group,
  read: StoredInstance | undefined,
  deps: ConsumerDeps,
  result: ConsumeResult,
): Promise<StoredInstance | 'unchanged' | 'failed'> {
  let stored = read;
  for (let attempt = 0; attempt <= CONFLICT_RETRIES; attempt++) {
    const first = group.events[0] as Pending;
    const target: StoredInstance = stored ?? {
      key: group.key,
      instance: newInstance(group.model.name, first.event.correlationId),
      version: 0,
      pending: [],
      indexed: undefined,
    };
    const before = target.instance.st;
    let changed = false;
    let duplicates = 0;
    // Observed time for this instance: the shard's watermark, or the instance's own latest event time
    // when later (the replay rule). Its earlier events are all in (one shard, in order), so only
    // out-of-order stragglers can still come, which is what grace waits for.
    let observed = Number.NEGATIVE_INFINITY;
    for (const p of group.events) {
      if (isDuplicate(target.instance, p.hash)) {
        duplicates++;
        continue;
      }
      observed = Math.max(observed, p.observed, p.event.time);
      const was = target.instance.st;
      const t = applyEvent(target.instance, p.event, group.model, observed, p.hash);
      target.pending.push(...t.alerts);
      changed = true;
      if (t.effect === 'ignored') deps.metrics.count('ignored');
      const t0 = target.instance.t0;
      if (t.effect === 'applied' && p.event.status === 'succeeded' && t0 !== undefined) {
        deps.metrics.timing('stepLatency', p.event.time - t0);
        if (was !== 'completed' && target.instance.st === 'completed') {
          deps.metrics.timing('workflowLatency', p.event.time - t0);
        }
      }
    }
    if (!changed) {
      result.duplicates += duplicates;
      return 'unchanged';
    }
    try {
      await commit(deps.store, target, group.model, deps.clock());
    } catch (error) {
      if (error instanceof VersionConflictError && attempt < CONFLICT_RETRIES) {
        deps.metrics.count('versionConflicts');
        try {
          stored = (await deps.store.getInstances([group.key], { consistent: true })).get(group.key);
          continue;
        } catch {
          // fall through to the failure below
        }
      }
      deps.logger.error('could not write instance; its records are retried', {
        workflow: group.model.name,
        correlationId: first.event.correlationId,
        error: String(error),
      });
      return 'failed';
    }
    result.writes++;
    result.events += group.events.length - duplicates;
    result.duplicates += duplicates;
    countOutcome(before, target.instance, target.version === 1, deps);
    return target;
  }
  return 'failed';
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
  if (instance.late) deps.metrics.count('workflowsLate');
}

function lowest(seqs: readonly bigint[]): bigint | undefined {
  let min: bigint | undefined;
  for (const s of seqs) if (min === undefined || s < min) min = s;
  return min;
}

const compareSeq = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
