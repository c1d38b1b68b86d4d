import {
  addSample,
  decodeWindow,
  encodeWindow,
  judgeWindow,
  type LatencySample,
  type LatencyWindow,
  mergeWindows,
  newWindow,
  shiftAlert,
  type WindowData,
  windowOf,
} from '../engine/baselines.js';
import type { StepModel, WorkflowConfig, WorkflowModel } from '../workflow/model.js';
import { publishCounted, unsent } from './commit.js';
import { VersionConflictError } from './errors.js';
import type {
  AlertPublisher,
  ConsumerStore,
  LatencySeries,
  LogSink,
  MetricsSink,
  SweeperStore,
} from './ports.js';

/**
 * Learned latency baselines on the live path. Each consumer shard adds a batch's step latencies to
 * its own share of the window (one item per workflow, window and shard: one writer, so no update is
 * lost, and one write per batch, not per event); the sweeper merges the shares once T has passed a
 * window's end plus grace and judges it against the windows before it, as replay does.
 */

/** What a consumer container keeps: its shares of open windows as last written, so a batch needs no read. */
export type LatencyCache = Map<string, { steps: Record<string, WindowData>; version: number }>;

interface ConsumerLatencyDeps {
  store: Pick<ConsumerStore, 'getLatencyShare' | 'putLatencyShare'>;
  config: WorkflowConfig;
  metrics: MetricsSink;
  logger: LogSink;
  cache?: { latency?: LatencyCache };
}

const stepOf = (model: WorkflowModel | undefined, name: string): StepModel | undefined => {
  const index = model?.stepIndex.get(name);
  return index === undefined ? undefined : model?.steps[index];
};

/** A window is judged once T passes its end plus grace: later samples for it are too late to count. */
const closesAt = (series: LatencySeries, model: WorkflowModel) =>
  (series.index + 1) * series.windowMs + model.graceMs;

/**
 * Adds a batch's samples to this shard's shares. Statistics, not alerts: a failure is logged and
 * counted, never fails the batch (a lost batch of samples shifts no quantile that matters).
 */
export async function recordLatency(
  samples: readonly LatencySample[],
  shardId: string,
  watermark: number,
  deps: ConsumerLatencyDeps,
): Promise<void> {
  if (samples.length === 0) return;
  const groups = new Map<string, { series: LatencySeries; model: WorkflowModel; samples: LatencySample[] }>();
  for (const sample of samples) {
    const model = deps.config.workflows.get(sample.workflow);
    const latency = stepOf(model, sample.step)?.latency;
    if (model === undefined || latency === undefined) continue;
    const series = {
      workflow: model.name,
      windowMs: latency.windowMs,
      index: windowOf(sample.at, latency.windowMs),
    };
    if (closesAt(series, model) <= watermark) {
      deps.metrics.count('latencySamplesLate');
      continue;
    }
    const key = `${series.workflow}#${series.windowMs}#${series.index}`;
    const group = groups.get(key) ?? { series, model, samples: [] };
    group.samples.push(sample);
    groups.set(key, group);
  }
  const cache = deps.cache ? (deps.cache.latency ??= new Map()) : undefined;
  for (const [key, group] of groups) {
    try {
      await addToShare(`${key}#${shardId}`, group.series, shardId, group.model, group.samples, deps, cache);
    } catch (error) {
      deps.metrics.count('latencyWriteFailures');
      deps.logger.warn('could not record step latencies; this batch is left out of the baseline', {
        workflow: group.series.workflow,
        error: String(error),
      });
    }
  }
  // Shares of windows that have closed are final: the container forgets them.
  if (cache) {
    for (const [key] of cache) {
      const [workflow, windowMs, index] = key.split('#') as [string, string, string];
      const model = deps.config.workflows.get(workflow);
      const series = { workflow, windowMs: Number(windowMs), index: Number(index) };
      if (model === undefined || closesAt(series, model) <= watermark) cache.delete(key);
    }
  }
}

async function addToShare(
  cacheKey: string,
  series: LatencySeries,
  shardId: string,
  model: WorkflowModel,
  samples: readonly LatencySample[],
  deps: ConsumerLatencyDeps,
  cache: LatencyCache | undefined,
): Promise<void> {
  const baselineWindows = Math.max(...model.steps.map((s) => s.latency?.baselineWindows ?? 0));
  // Kept while a later window may still use it as part of its baseline.
  const expiresAt = (series.index + baselineWindows + 3) * series.windowMs;
  let current = cache?.get(cacheKey);
  for (let attempt = 0; ; attempt++) {
    current ??= (await deps.store.getLatencyShare(series, shardId)) ?? { steps: {}, version: 0 };
    const steps: Record<string, WindowData> = { ...current.steps };
    const touched = new Map<string, LatencyWindow>();
    for (const sample of samples) {
      let window = touched.get(sample.step);
      if (window === undefined) {
        window = decodeWindow(steps[sample.step]);
        touched.set(sample.step, window);
      }
      addSample(window, sample);
    }
    for (const [step, window] of touched) steps[step] = encodeWindow(window);
    try {
      const version = await deps.store.putLatencyShare(series, shardId, steps, current.version, expiresAt);
      cache?.set(cacheKey, { steps, version });
      return;
    } catch (error) {
      // Another container of this shard wrote since this one's copy (a retry elsewhere): read again.
      cache?.delete(cacheKey);
      if (!(error instanceof VersionConflictError) || attempt >= 2) throw error;
      current = undefined;
    }
  }
}

interface SweeperLatencyDeps {
  store: Pick<SweeperStore, 'latencyShares' | 'getLatencyState' | 'putLatencyState' | 'recordSent'>;
  config: WorkflowConfig;
  publisher: AlertPublisher;
  metrics: MetricsSink;
  logger: LogSink;
  /** When its messages went out, for the console's record of them. */
  clock: () => number;
  cache?: { latencyWindows?: Map<string, Record<string, LatencyWindow>> };
}

/** Windows judged per series and sweep at most: a sweeper that was down catches up over a few sweeps. */
const JUDGE_PER_SWEEP = 4;

/**
 * Judges the latency windows T has closed, then publishes what the latency outbox holds. Never
 * fatal to the sweep: on failure the windows stay unjudged and the next sweep tries again.
 */
export async function judgeLatency(deps: SweeperLatencyDeps, observed: number | undefined): Promise<void> {
  const series = latencySeries(deps.config);
  if (series.length === 0) return;
  try {
    const state = await deps.store.getLatencyState();
    let changed = false;
    if (observed !== undefined) {
      for (const { model, windowMs, steps } of series) {
        const key = `${model.name}/${windowMs}`;
        const lastClosed = Math.floor((observed - model.graceMs) / windowMs) - 1;
        // The first time, only the latest closed window: history before the monitor is not news.
        const judged = state.judged[key] ?? lastClosed - 1;
        for (let w = Math.max(judged + 1, lastClosed - JUDGE_PER_SWEEP + 1); w <= lastClosed; w++) {
          const recent = await load(model.name, windowMs, w, deps);
          for (const step of steps) {
            const window = recent[step.name];
            if (window === undefined) continue;
            const baseline = newWindow();
            for (let b = w - (step.latency?.baselineWindows ?? 0); b < w; b++) {
              const past = (await load(model.name, windowMs, b, deps))[step.name];
              if (past) mergeWindows(baseline, past);
            }
            const verdict = judgeWindow(window, baseline, step, {
              start: w * windowMs,
              end: (w + 1) * windowMs,
            });
            if (verdict.kind === 'shift') {
              state.pending.push(shiftAlert(model, step, verdict.shift, observed));
              deps.metrics.count('latencyShifts');
            } else if (verdict.kind === 'cold-only') {
              deps.logger.info('latency baseline', { workflow: model.name, note: verdict.note });
            }
          }
          state.judged[key] = w;
          changed = true;
        }
        forget(
          deps,
          model.name,
          windowMs,
          lastClosed - Math.max(...steps.map((s) => s.latency?.baselineWindows ?? 0)),
        );
      }
    }
    if (changed) state.version = await deps.store.putLatencyState(state);
    await publish(state, deps);
  } catch (error) {
    if (error instanceof VersionConflictError) return; // another sweep judged these windows
    deps.logger.error('could not judge latency windows; the next sweep retries', { error: String(error) });
  }
}

async function publish(
  state: Awaited<ReturnType<SweeperLatencyDeps['store']['getLatencyState']>>,
  deps: SweeperLatencyDeps,
) {
  const result = await publishCounted(state.pending, deps);
  if (result.published.size === 0) return;
  state.pending = unsent(state.pending, result.published);
  state.version = await deps.store.putLatencyState(state);
}

/** A window's shares merged, per step; cached, since a closed window no longer changes. */
async function load(
  workflow: string,
  windowMs: number,
  index: number,
  deps: SweeperLatencyDeps,
): Promise<Record<string, LatencyWindow>> {
  const cache = deps.cache ? (deps.cache.latencyWindows ??= new Map()) : undefined;
  const key = `${workflow}/${windowMs}/${index}`;
  const cached = cache?.get(key);
  if (cached) return cached;
  const merged: Record<string, LatencyWindow> = {};
  for (const share of await deps.store.latencyShares({ workflow, windowMs, index })) {
    for (const [step, data] of Object.entries(share))
      merged[step] = decodeWindow(data, merged[step] ?? newWindow());
  }
  cache?.set(key, merged);
  return merged;
}

function forget(deps: SweeperLatencyDeps, workflow: string, windowMs: number, before: number): void {
  const cache = deps.cache?.latencyWindows;
  if (!cache) return;
  for (const key of cache.keys()) {
    const [w, ms, index] = key.split('/');
    if (w === workflow && Number(ms) === windowMs && Number(index) < before) cache.delete(key);
  }
}

/** Each workflow's tracked steps, grouped by window length. */
function latencySeries(config: WorkflowConfig) {
  const out: { model: WorkflowModel; windowMs: number; steps: StepModel[] }[] = [];
  for (const model of config.workflows.values()) {
    const byWindow = new Map<number, StepModel[]>();
    for (const step of model.steps) {
      if (step.latency === undefined) continue;
      byWindow.set(step.latency.windowMs, [...(byWindow.get(step.latency.windowMs) ?? []), step]);
    }
    for (const [windowMs, steps] of byWindow) out.push({ model, windowMs, steps });
  }
  return out;
}
