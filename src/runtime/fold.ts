import type { Alert } from '../engine/alert.js';
import type { LatencySample } from '../engine/baselines.js';
import { advance, applyEvent, isDuplicate, nextWake, sampleOf } from '../engine/transition.js';
import type { TelemetryEvent } from '../events/telemetry.js';
import type { WorkflowModel } from '../workflow/model.js';
import { holdWhileLate, leaveLateMode, startsLate } from './late.js';
import type { MetricsSink, StoredInstance } from './ports.js';
import type { StreamRecord } from './records.js';

/** An event of the batch, with the record it came in (quarantined verbatim if it cannot be judged). */
export interface Pending {
  readonly record: StreamRecord;
  readonly event: TelemetryEvent;
  readonly hash: string;
  readonly seq: bigint;
}

export interface Group {
  readonly key: string;
  readonly model: WorkflowModel;
  readonly events: Pending[];
}

export interface Fold {
  changed: boolean;
  duplicates: number;
  /** Step latencies the events completed, for the learned baselines. */
  samples: LatencySample[];
}

/**
 * The time rules of contract §3 for one instance and one batch. Each event is applied at the
 * instance's observed time: the watermark before the batch, or the instance's own latest event time
 * when later (its earlier events are all in: one shard, in order), never beyond the event's arrival.
 * Once every event of the batch is in, the instance is judged at the watermark after the batch. An
 * instance whose first event is late is judged on its own events until it has been quiet for grace.
 */
export function fold(
  target: StoredInstance,
  group: Group,
  watermark: { before: number; after: number },
  fresh: boolean,
  deps: { metrics: MetricsSink; clock: () => number },
): Fold {
  const { model } = group;
  const instance = target.instance;
  const pending: Alert[] = [];
  if (instance.lm !== undefined) {
    pending.push(...leaveLateMode(instance, model, watermark.before));
    // Its indexed wake-up may have been held back for the quiet period: the engine wants its own.
    if (instance.lm !== undefined) instance.wk = nextWake(instance, model);
  }
  const firstNew = group.events.find((p) => !isDuplicate(instance, p.hash));
  if (fresh && firstNew !== undefined && startsLate(firstNew.event.time, watermark.before, model)) {
    instance.lm = [Number.NEGATIVE_INFINITY, 0];
  }
  let observed = instance.lm === undefined ? watermark.before : instance.lm[0];
  let changed = pending.length > 0;
  let duplicates = 0;
  const samples: LatencySample[] = [];
  for (const p of group.events) {
    if (isDuplicate(instance, p.hash)) {
      duplicates++;
      continue;
    }
    observed = Math.max(observed, Math.min(p.event.time, p.record.arrival));
    const was = instance.st;
    // Every step's latency: the consumer reports them all as behaviour metrics.
    const t = applyEvent(instance, p.event, model, observed, p.hash, true);
    pending.push(...t.alerts);
    changed = true;
    const sample = sampleOf(t, p.event, model);
    if (t.effect === 'ignored') deps.metrics.count('ignored');
    else behaviour(p.event, sample, model, deps.metrics);
    if (sample) samples.push(sample);
    const t0 = instance.t0;
    if (t.effect === 'applied' && was !== 'completed' && instance.st === 'completed' && t0 !== undefined) {
      deps.metrics.timing('workflowLatency', p.event.time - t0, { workflow: model.name });
    }
  }
  if (instance.lm !== undefined) {
    if (changed) instance.lm = [observed, deps.clock() + model.graceMs];
    holdWhileLate(instance);
  } else if (
    changed &&
    watermark.after > observed &&
    instance.wk !== undefined &&
    instance.wk <= watermark.after
  ) {
    pending.push(...advance(instance, model, watermark.after).alerts);
  }
  target.pending.push(...pending);
  return { changed, duplicates, samples };
}

/**
 * The behaviour metrics of one event (docs/behaviour.md, the catalogue): step latency from the step
 * it comes after, attempts before success, failures and the producer's own duration, by workflow and
 * step (names from the file, so the dimensions are known before deploy) and cold or warm start.
 */
function behaviour(
  event: TelemetryEvent,
  sample: LatencySample | undefined,
  model: WorkflowModel,
  metrics: MetricsSink,
): void {
  if (!model.stepIndex.has(event.step)) return;
  const start = event.coldStart === true ? 'cold' : 'warm';
  const step = { workflow: model.name, step: event.step };
  if (event.status === 'failed') metrics.count('stepFailures', 1, step);
  if (event.durationMs !== undefined) metrics.timing('duration', event.durationMs, { ...step, start });
  if (sample) {
    metrics.timing('stepLatency', sample.ms, { workflow: sample.workflow, step: sample.step, start });
    metrics.count('attempts', sample.attempts, { workflow: sample.workflow, step: sample.step });
  }
}
