import { type Alert, alertRecord, iso } from '../engine/alert.js';
import type { LatencyWindow } from '../engine/baselines.js';
import type { Severity } from '../workflow/schema.js';
import { publishCounted, unsent } from './commit.js';
import { VersionConflictError } from './errors.js';
import { heartbeatRecord, newHeartbeatKey } from './heartbeat.js';
import { maintainIncidents } from './incidents.js';
import { judgeLatency } from './latency.js';
import type { HeartbeatWriter, MonitorState, ShardInfo } from './ports.js';
import {
  assign,
  fanOut,
  type PartitionSweepDeps,
  type SweepWorkers,
  sweepPartitions,
} from './sweep-partitions.js';

export interface SweeperDeps extends PartitionSweepDeps {
  heartbeats: HeartbeatWriter;
  /** now − T beyond this raises `monitor_lagging`. */
  lagThresholdMs: number;
  lagSeverity: Severity;
  /** Names the monitored stream in `monitor_lagging` alerts. */
  streamName: string;
  /** What a sweeper container keeps between runs: the secret, and the last shard listing. */
  cache?: SweeperCache;
  /** The wake-up index's partition count; a change starts a new index epoch. Default: as it is. */
  indexShards?: number;
  /** Fan the index partitions out to these workers; without it the sweeper reads them itself. */
  workers?: SweepWorkers;
  /**
   * Wait up to this long for the consumer to fold this sweep's own heartbeats, so that T is this
   * sweep's start rather than the previous one's: detection within a sweep interval plus the round
   * trip, instead of up to two intervals. 0 or unset: judge at the T already recorded.
   */
  awaitHeartbeatsMs?: number;
  /** How the wait sleeps between watermark reads; tests pass their own. */
  sleep?: (ms: number) => Promise<void>;
}

/** Watermark reads while waiting for the heartbeats' round trip: a fraction of a read unit each. */
const HEARTBEAT_POLL_MS = 250;

export interface SweeperCache {
  heartbeatKey?: Uint8Array;
  shards?: ShardInfo[];
  /** Closed latency windows, merged: they no longer change. */
  latencyWindows?: Map<string, Record<string, LatencyWindow>>;
}

export interface SweepResult {
  /** Observed time T (the low watermark), or undefined while a shard has none yet. */
  observed: number | undefined;
  lagMs: number;
  due: number;
  written: number;
  alerts: number;
  /** Due items that could not be read, judged or written: retried by the next sweep. */
  failed: number;
  /** False when the heartbeats could not be written: T stays where the last ones put it. */
  heartbeats: boolean;
  /** True when it stopped at its time limit with due items left for the next run. */
  stoppedEarly: boolean;
}

/**
 * One sweep: heartbeats on every shard, T from the watermarks, then every instance due by T from
 * the index (never a scan), advanced through the engine and written conditionally. Alerts go
 * through the items' outboxes; pending ones from earlier runs are due at once and retried here.
 * It degrades rather than aborts: without heartbeats T stays where it was and pending alerts still
 * go out; an item that fails is logged, counted and left for the next sweep. Stops taking new work
 * once `stopBy` (wall clock) has passed.
 */
export async function sweep(deps: SweeperDeps, stopBy: number): Promise<SweepResult> {
  const started = deps.clock();
  const cache = deps.cache ?? {};
  const beat = await putHeartbeats(started, cache, deps);
  // Without a shard listing (never listed in this container, and listing failed) T is unknown:
  // nothing is judged and no lag is claimed; pending alerts still go out.
  const observed =
    cache.shards === undefined
      ? undefined
      : await observe(cache.shards, beat ? started : undefined, stopBy, deps);
  const lagMs = cache.shards === undefined ? 0 : await watchLag(started, observed, deps);

  const result: SweepResult = {
    observed,
    lagMs,
    due: 0,
    written: 0,
    alerts: 0,
    failed: 0,
    heartbeats: beat,
    stoppedEarly: false,
  };
  // Without T nothing is final yet, but outboxes (due 0) are still retried.
  const partitions = await deps.store.indexPartitions().catch((error) => {
    deps.logger.error('could not read the index map; the next sweep retries', { error: String(error) });
    return [] as readonly string[];
  });
  const { workers } = deps;
  const shares = workers === undefined ? [] : assign(partitions, workers.count);
  const done =
    workers !== undefined && shares.length > 1
      ? await fanOut(workers, shares, observed, stopBy, deps)
      : [await sweepPartitions(deps, { observed, partitions, stopBy })];
  let unpublished = 0;
  for (const part of done) {
    result.due += part.due;
    result.written += part.written;
    result.alerts += part.alerts;
    result.failed += part.failed;
    result.stoppedEarly ||= part.stoppedEarly;
    unpublished += part.unpublished;
  }
  // Every run reports what is still unpublished (0 included): an alarm fires when it stays above 0,
  // or when the figure stops coming because the sweeper stopped.
  deps.metrics.gauge('unpublishedAlerts', unpublished);
  await judgeLatency(deps, observed);
  await maintainIncidents(deps);
  await maintainIndex(deps);
  deps.metrics.timing('sweepDuration', deps.clock() - started);
  deps.metrics.count('due', result.due);
  deps.metrics.timing('watermarkLag', lagMs);
  return result;
}

/**
 * T from the watermarks. With `awaitHeartbeatsMs`, and heartbeats put at `beatAt`, it first waits
 * (until then or `stopBy`) for every open shard's watermark to reach them, reading again every
 * HEARTBEAT_POLL_MS; if the round trip takes longer, T is what the watermarks say by then.
 */
async function observe(
  shards: readonly ShardInfo[],
  beatAt: number | undefined,
  stopBy: number,
  deps: SweeperDeps,
): Promise<number | undefined> {
  const read = async () =>
    observedTime(
      shards,
      await deps.store.getWatermarks().catch((error) => {
        deps.logger.error('could not read the watermarks; only pending alerts are retried', {
          error: String(error),
        });
        return new Map<string, number>();
      }),
    );
  let observed = await read();
  const waitMs = deps.awaitHeartbeatsMs ?? 0;
  if (beatAt === undefined || waitMs <= 0) return observed;
  const until = Math.min(beatAt + waitMs, stopBy);
  const sleep = deps.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  while ((observed ?? Number.NEGATIVE_INFINITY) < beatAt && deps.clock() < until) {
    await sleep(Math.min(HEARTBEAT_POLL_MS, until - deps.clock()));
    observed = await read();
  }
  return observed;
}

/**
 * Keeps the index's partition count at the configured one (a new epoch when it changes) and drops
 * old epochs once drained. Never fatal: the index works as it is meanwhile.
 */
async function maintainIndex(deps: SweeperDeps): Promise<void> {
  try {
    if (deps.indexShards !== undefined) await deps.store.resizeIndex(deps.indexShards);
    await deps.store.retireDrainedIndexes();
  } catch (error) {
    deps.logger.error('could not maintain the index epochs; the next sweep retries', {
      error: String(error),
    });
  }
}

/**
 * Lists the shards and puts a signed heartbeat on each open one. A failure here is logged and
 * counted, never fatal: T then stays at what earlier heartbeats established.
 */
async function putHeartbeats(now: number, cache: SweeperCache, deps: SweeperDeps): Promise<boolean> {
  try {
    cache.shards = await deps.heartbeats.shards();
  } catch (error) {
    deps.metrics.count('heartbeatFailures');
    deps.logger.error('could not list the shards; no heartbeats this sweep', { error: String(error) });
    return false;
  }
  try {
    cache.heartbeatKey ??=
      (await deps.store.getHeartbeatKey()) ?? (await deps.store.createHeartbeatKey(newHeartbeatKey()));
    const open = cache.shards.filter((s) => s.open);
    await deps.heartbeats.beat(open, Buffer.from(heartbeatRecord(now, cache.heartbeatKey)));
    return true;
  } catch (error) {
    deps.metrics.count('heartbeatFailures');
    deps.logger.error('could not put heartbeats; T stays where the last ones put it', {
      error: String(error),
    });
    return false;
  }
}

/**
 * T, the low watermark over the shards that still take records. A shard that has processed no
 * heartbeat of its own yet (a child of a split or merge) starts from its parents' watermark: its
 * records all came after theirs. Closed shards leave T once their children carry on. Undefined
 * while some open shard has no watermark through its lineage either (a new stream).
 */
export function observedTime(
  shards: readonly ShardInfo[],
  marks: ReadonlyMap<string, number>,
): number | undefined {
  const byId = new Map(shards.map((s) => [s.id, s]));
  const markOf = (id: string, depth: number): number | undefined => {
    const own = marks.get(id);
    if (own !== undefined) return own;
    const parents = byId.get(id)?.parents ?? [];
    if (parents.length === 0 || depth > 64) return undefined;
    const inherited = parents.map((p) => markOf(p, depth + 1));
    if (inherited.some((m) => m === undefined)) return undefined;
    return Math.min(...(inherited as number[]));
  };
  const open = shards.filter((s) => s.open);
  if (open.length === 0) return undefined;
  let low = Number.POSITIVE_INFINITY;
  for (const s of open) {
    const m = markOf(s.id, 0);
    if (m === undefined) return undefined;
    low = Math.min(low, m);
  }
  return low;
}

/**
 * Runs sweeps every `everyMs` while the next one has `minSweepMs` (default: a whole interval)
 * before `stopBy`; at least one. A sweep stops taking work at `stopBy` by itself, so a shorter
 * `minSweepMs` lets the last sweep run nearer the end: a smaller gap before the next invocation.
 */
export async function sweepRepeatedly(
  deps: SweeperDeps,
  options: { everyMs: number; stopBy: number; minSweepMs?: number; sleep?: (ms: number) => Promise<void> },
): Promise<SweepResult[]> {
  const sleep = options.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const results: SweepResult[] = [];
  for (;;) {
    const started = deps.clock();
    results.push(await sweep(deps, options.stopBy));
    if (options.everyMs <= 0) return results;
    const next = started + options.everyMs;
    if (next + (options.minSweepMs ?? options.everyMs) > options.stopBy) return results;
    await sleep(Math.max(0, next - deps.clock()));
  }
}

/**
 * The monitor watches itself: one `monitor_lagging` per episode of now − T beyond the threshold,
 * committed on the monitor item before it is published, like every other alert. Another sweep that
 * overlaps this one may write the monitor item first: this one then re-reads it and, if it loses
 * again, leaves the lag to that sweep. A failure here never stops the sweep.
 */
async function watchLag(now: number, observed: number | undefined, deps: SweeperDeps): Promise<number> {
  let lagMs = 0;
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      const monitor = await deps.store.getMonitor();
      monitor.firstRun ??= now;
      lagMs = now - (observed ?? monitor.firstRun);
      try {
        await updateLag(monitor, lagMs, observed, now, deps);
        return lagMs;
      } catch (error) {
        if (!(error instanceof VersionConflictError)) throw error;
        deps.metrics.count('versionConflicts');
      }
    }
    deps.logger.info('another sweep is updating the monitor item; this one leaves the lag to it');
  } catch (error) {
    deps.metrics.count('sweepFailures');
    deps.logger.error('could not update the monitor item; the next sweep retries', { error: String(error) });
  }
  return lagMs;
}

async function updateLag(
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
  if (dirty) monitor.version = await deps.store.putMonitor(monitor);
  const result = await publishCounted(monitor.pending, deps);
  if (result.published.size > 0) {
    monitor.pending = unsent(monitor.pending, result.published);
    monitor.version = await deps.store.putMonitor(monitor);
  }
}

function lagAlert(lagMs: number, observed: number | undefined, now: number, deps: SweeperDeps): Alert {
  // One ID per episode, so a later episode is not dropped as a repeat of this one.
  return alertRecord(
    {
      kind: 'monitor_lagging',
      step: null,
      deadline: observed === undefined ? null : observed + deps.lagThresholdMs,
      detectedAt: now,
      lateByMs: lagMs - deps.lagThresholdMs,
    },
    {
      workflow: 'overdue',
      correlationId: `${deps.streamName}@${iso(now)}`,
      severity: deps.lagSeverity,
      status: 'running',
      missing: [],
      timeline: [],
    },
  );
}
