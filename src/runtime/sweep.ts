import { type Alert, alertId, iso } from '../engine/alert.js';
import { advance, nextWake } from '../engine/transition.js';
import { mapLimit } from '../shared/map-limit.js';
import { VersionConflictError } from '../store/errors.js';
import { indexShards } from '../store/keys.js';
import type { WorkflowConfig } from '../workflow/model.js';
import type { Severity } from '../workflow/schema.js';
import { commit, type PublishDeps, publishPending } from './commit.js';
import type { HeartbeatWriter, MonitorState, StoredInstance } from './ports.js';

export interface SweeperDeps extends PublishDeps {
  config: WorkflowConfig;
  heartbeats: HeartbeatWriter;
  clock: () => number;
  /** now − T beyond this raises `monitor_lagging`. */
  lagThresholdMs: number;
  lagSeverity: Severity;
  /** Names the monitored stream in `monitor_lagging` alerts. */
  streamName: string;
}

export interface SweepResult {
  /** Observed time T (the low watermark), or undefined while a shard has none yet. */
  observed: number | undefined;
  lagMs: number;
  due: number;
  written: number;
  alerts: number;
  /** True when it stopped at its time limit with due items left for the next run. */
  stoppedEarly: boolean;
}

/** Index partitions read at once. */
const PARTITION_CONCURRENCY = 4;
/** Due instances advanced and written at once within a page. */
const ITEM_CONCURRENCY = 8;
const CONFLICT_RETRIES = 3;

/**
 * One sweep: heartbeats on every shard, T from the watermarks, then every instance due by T from
 * the index (never a scan), advanced through the engine and written conditionally. Alerts go
 * through the items' outboxes; pending ones from earlier runs are due at once and retried here.
 * Stops taking new work once `stopBy` (wall clock) has passed.
 */
export async function sweep(deps: SweeperDeps, stopBy: number): Promise<SweepResult> {
  const started = deps.clock();
  const shards = await deps.heartbeats.beat(started);
  const marks = await deps.store.getWatermarks();
  const known = shards.map((s) => marks.get(s));
  const observed =
    known.length > 0 && known.every((m) => m !== undefined) ? Math.min(...(known as number[])) : undefined;

  const monitor = await deps.store.getMonitor();
  monitor.firstRun ??= started;
  const lagMs = started - (observed ?? monitor.firstRun);
  await watchLag(monitor, lagMs, observed, started, deps);

  const result: SweepResult = { observed, lagMs, due: 0, written: 0, alerts: 0, stoppedEarly: false };
  // Without T nothing is final yet, but outboxes (due 0) are still retried.
  const until = observed ?? 0;
  const touched: StoredInstance[] = [];
  await mapLimit(indexShards(), PARTITION_CONCURRENCY, async (partition) => {
    for await (const keys of deps.store.dueKeys(partition, until)) {
      if (deps.clock() >= stopBy) {
        result.stoppedEarly = true;
        return;
      }
      result.due += keys.length;
      const items = await deps.store.getInstances(keys);
      await mapLimit(keys, ITEM_CONCURRENCY, async (key) => {
        // A page can hold thousands of keys: check the time limit per item too.
        if (deps.clock() >= stopBy) {
          result.stoppedEarly = true;
          return;
        }
        const done = await advanceAndWrite(items.get(key), key, observed, deps, result);
        if (done) touched.push(done);
      });
    }
  });
  result.alerts = touched.reduce((n, s) => n + s.pending.length, 0);
  await publishPending(touched, deps);
  deps.metrics.timing('sweepDuration', deps.clock() - started);
  deps.metrics.count('due', result.due);
  deps.metrics.timing('watermarkLag', lagMs);
  return result;
}

/** Runs sweeps every `everyMs` until the next would not finish by `stopBy`; at least one. */
export async function sweepRepeatedly(
  deps: SweeperDeps,
  options: { everyMs: number; stopBy: number; sleep?: (ms: number) => Promise<void> },
): Promise<SweepResult[]> {
  const sleep = options.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const results: SweepResult[] = [];
  for (;;) {
    const started = deps.clock();
    results.push(await sweep(deps, options.stopBy));
    if (options.everyMs <= 0) return results;
    const next = started + options.everyMs;
    if (next + options.everyMs > options.stopBy) return results;
    await sleep(Math.max(0, next - deps.clock()));
  }
}

async function advanceAndWrite(
  read: StoredInstance | undefined,
  key: string,
  observed: number | undefined,
  deps: SweeperDeps,
  result: SweepResult,
): Promise<StoredInstance | undefined> {
  let stored = read;
  for (let attempt = 0; stored !== undefined && attempt <= CONFLICT_RETRIES; attempt++) {
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
      if (observed !== undefined) {
        const { alerts } = advance(instance, model, observed);
        stored.pending.push(...alerts);
        changed = alerts.length > 0;
      }
      changed ||= instance.wk !== wasDue || stored.pending.length === 0;
    }
    // An item that only had its outbox due needs no write: publishing clears it.
    if (!changed) return stored;
    // It came due, so whatever earlier wake-up the index held is spent: index the real one.
    stored.indexed = undefined;
    try {
      await commit(deps.store, stored, model, deps.clock());
      result.written++;
      return stored;
    } catch (error) {
      if (!(error instanceof VersionConflictError)) {
        deps.logger.error('could not write instance; the next sweep retries it', {
          workflow: instance.wf,
          correlationId: instance.id,
          error: String(error),
        });
        return undefined;
      }
      deps.metrics.count('versionConflicts');
      stored = (await deps.store.getInstances([key], { consistent: true })).get(key);
    }
  }
  return undefined;
}

/**
 * The monitor watches itself: one `monitor_lagging` per episode of now − T beyond the threshold,
 * committed on the monitor item before it is published, like every other alert.
 */
async function watchLag(
  monitor: MonitorState,
  lagMs: number,
  observed: number | undefined,
  now: number,
  deps: SweeperDeps,
): Promise<void> {
  const behind = lagMs > deps.lagThresholdMs;
  let dirty = monitor.version === 0;
  if (behind && !monitor.lagging) {
    monitor.lagging = true;
    monitor.since = now;
    monitor.pending.push(lagAlert(lagMs, observed, now, deps));
    dirty = true;
    deps.logger.warn('monitor is lagging', {
      lagMs,
      observed: observed === undefined ? null : iso(observed),
    });
  } else if (!behind && monitor.lagging) {
    monitor.lagging = false;
    monitor.since = undefined;
    dirty = true;
    deps.logger.info('monitor caught up', { lagMs });
  }
  if (dirty) await deps.store.putMonitor(monitor);
  if (monitor.pending.length === 0) return;
  const result = await deps.publisher.publish(monitor.pending);
  deps.metrics.count('alertsPublished', result.published.size);
  if (result.failed.length > 0) deps.metrics.count('publishFailures', result.failed.length);
  if (result.published.size > 0) {
    monitor.pending = monitor.pending.filter((a) => !result.published.has(a.alertId));
    await deps.store.putMonitor(monitor);
  }
}

function lagAlert(lagMs: number, observed: number | undefined, now: number, deps: SweeperDeps): Alert {
  // One ID per episode, so a later episode is not dropped as a repeat of this one.
  const correlationId = `${deps.streamName}@${iso(now)}`;
  return {
    alertId: alertId('overdue', correlationId, 'monitor_lagging', null),
    kind: 'monitor_lagging',
    workflow: 'overdue',
    correlationId,
    step: null,
    severity: deps.lagSeverity,
    status: 'running',
    deadline: observed === undefined ? null : iso(observed + deps.lagThresholdMs),
    detectedAt: iso(now),
    lateByMs: lagMs - deps.lagThresholdMs,
    missing: [],
    timeline: [],
    traceIds: [],
  };
}
