import { DDSketch } from '@datadog/sketches-js';
import type { StepModel, WorkflowModel } from '../workflow/model.js';
import { type Alert, alertRecord, iso } from './alert.js';

/**
 * Learned latency baselines (issue 13): per workflow and step, warm and cold runs apart, a DDSketch
 * of step latencies per window of event time. A window is judged once observed time has passed its
 * end plus grace, against the merged sketches of the windows before it: one `latency_shift` per
 * workflow, step and window when the warm runs became `factor` times slower, never one per instance.
 * Sketches merge in any order into the same quantiles (within their relative accuracy), which is
 * what lets each consumer keep its own and the sweeper merge them.
 */

/** The sketches' relative accuracy: quantiles within 1% of the true value. */
export const SKETCH_ACCURACY = 0.01;

export const newSketch = () => new DDSketch({ relativeAccuracy: SKETCH_ACCURACY });
export type Sketch = DDSketch;

/** One step latency: from the latest of the step's `after` steps to the step, by event time. */
export interface LatencySample {
  readonly workflow: string;
  readonly step: string;
  /** The step's position in its workflow model. */
  readonly index: number;
  readonly ms: number;
  readonly cold: boolean;
  /** The step's event time: the window it falls in. */
  readonly at: number;
  /** Events of the step up to and including its success: failed and started ones are attempts. */
  readonly attempts: number;
}

/** A window's runs of one step, warm and cold apart. */
export interface LatencyWindow {
  warm: DDSketch;
  cold: DDSketch;
}

export const newWindow = (): LatencyWindow => ({ warm: newSketch(), cold: newSketch() });

export function addSample(window: LatencyWindow, sample: Pick<LatencySample, 'ms' | 'cold'>): void {
  (sample.cold ? window.cold : window.warm).accept(Math.max(0, sample.ms));
}

export function mergeWindows(into: LatencyWindow, other: LatencyWindow): LatencyWindow {
  if (other.warm.count > 0) into.warm.merge(other.warm);
  if (other.cold.count > 0) into.cold.merge(other.cold);
  return into;
}

/** The window an event time falls in, by index (windows start at the epoch). */
export const windowOf = (at: number, windowMs: number) => Math.floor(at / windowMs);

/** How many values of a sketch lie above `x` (within the sketch's accuracy). */
export function countAbove(sketch: DDSketch, x: number): number {
  if (sketch.count === 0) return 0;
  const threshold = sketch.mapping.key(Math.max(x, Number.MIN_VALUE));
  const { bins, offset } = sketch.store;
  let n = 0;
  for (let i = 0; i < bins.length; i++) if (i + offset > threshold) n += bins[i] as number;
  return n;
}

export interface Quantiles {
  p50: number;
  p99: number;
  count: number;
}

const quantiles = (s: DDSketch): Quantiles => ({
  p50: Math.round(s.getValueAtQuantile(0.5)),
  p99: Math.round(s.getValueAtQuantile(0.99)),
  count: s.count,
});

/** What latency_shift reports: the window, recent against baseline, and what cold starts explain. */
export interface LatencyShift {
  windowStart: string;
  windowEnd: string;
  recent: Quantiles;
  baseline: Quantiles;
  factor: number;
  /** Runs in the window slower than their baseline's p99 (warm runs the warm one's, cold the cold one's). */
  slower: number;
  runs: number;
  /** Share of the window's runs that were cold starts, 0–1. */
  coldStarts: number;
}

/** The verdict on one window: an alert, a note (cold starts alone got slower), or nothing. */
export type WindowVerdict =
  | { kind: 'shift'; shift: LatencyShift }
  | { kind: 'cold-only'; note: string }
  | { kind: 'none' };

const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${n} ms`);

/** Judges `recent` against `baseline` (several windows merged) under a step's settings. */
export function judgeWindow(
  recent: LatencyWindow,
  baseline: LatencyWindow,
  step: StepModel,
  window: { start: number; end: number },
): WindowVerdict {
  const settings = step.latency;
  if (settings === undefined) return { kind: 'none' };
  const shifted = (r: DDSketch, b: DDSketch, min: number) =>
    r.count >= min &&
    b.count >= min &&
    (r.getValueAtQuantile(0.99) > settings.factor * b.getValueAtQuantile(0.99) ||
      r.getValueAtQuantile(0.5) > settings.factor * b.getValueAtQuantile(0.5));
  if (shifted(recent.warm, baseline.warm, settings.minSamples)) {
    const base = quantiles(baseline.warm);
    const runs = recent.warm.count + recent.cold.count;
    return {
      kind: 'shift',
      shift: {
        windowStart: iso(window.start),
        windowEnd: iso(window.end),
        recent: quantiles(recent.warm),
        baseline: base,
        factor: settings.factor,
        // Each run against its own kind's baseline: a cold start is always slower than a warm p99.
        slower:
          countAbove(recent.warm, base.p99) +
          (baseline.cold.count > 0 ? countAbove(recent.cold, baseline.cold.getValueAtQuantile(0.99)) : 0),
        runs,
        coldStarts: runs === 0 ? 0 : recent.cold.count / runs,
      },
    };
  }
  // Cold starts are fewer: judged on a tenth of the samples, to say whether they alone got slower.
  const coldMin = Math.max(1, Math.ceil(settings.minSamples / 10));
  if (shifted(recent.cold, baseline.cold, coldMin)) {
    const r = quantiles(recent.cold);
    const b = quantiles(baseline.cold);
    return {
      kind: 'cold-only',
      note: `${step.name} ${iso(window.start)}–${iso(window.end)}: cold starts slower (p99 ${ms(r.p99)} vs ${ms(b.p99)} cold baseline, ${r.count} cold runs); warm runs within their baseline, so no latency_shift`,
    };
  }
  return { kind: 'none' };
}

/** The latency_shift alert for a window: one per workflow, step and window. */
export function shiftAlert(
  workflow: WorkflowModel,
  step: StepModel,
  shift: LatencyShift,
  observed: number,
): Alert {
  const alert = alertRecord(
    {
      kind: 'latency_shift',
      step: step.name,
      deadline: null,
      detectedAt: observed,
      lateByMs: Math.max(0, shift.recent.p99 - shift.baseline.p99),
    },
    {
      workflow: workflow.name,
      // Not an instance: the window stands where a correlation ID would, so the ID is per window.
      correlationId: `${step.name}@${shift.windowStart}`,
      severity: workflow.severity,
      status: 'running',
      missing: [],
      timeline: [],
    },
  );
  alert.latency = shift;
  return alert;
}

/** The one-line summary people read: "p99 4.2 s vs 800 ms warm baseline; 37 of 412 runs slower; cold starts 3%". */
export function describeShift(shift: LatencyShift): string {
  return `p99 ${ms(shift.recent.p99)} vs ${ms(shift.baseline.p99)} warm baseline (p50 ${ms(shift.recent.p50)} vs ${ms(shift.baseline.p50)}); ${shift.slower} of ${shift.runs} runs slower; cold starts ${Math.round(shift.coldStarts * 100)}%`;
}

/** Samples folded into the sketches together. */
const BUFFER = 1024;

interface Series {
  readonly workflow: WorkflowModel;
  readonly step: StepModel;
  readonly windows: Map<number, LatencyWindow>;
  /** The last window judged. */
  judged: number;
  /** The window the last sample fell in, kept at hand: samples come in about time order. */
  lastIndex: number;
  last: LatencyWindow | undefined;
}

/**
 * The in-memory tracker replay and dev mode use: samples in, verdicts out as observed time passes.
 * Keeps the windows a baseline needs and no more.
 */
export class LatencyBaselines {
  // Per workflow, by step index: no key to build or hash per sample.
  private readonly series = new Map<WorkflowModel, (Series | undefined)[]>();
  private lastWorkflow: WorkflowModel | undefined;
  private lastSeries: (Series | undefined)[] = [];
  /** The earliest time at which some window can be judged: `close` is free until then. */
  private nextClose = Number.POSITIVE_INFINITY;
  // Samples waiting to be folded into their sketches: the series, window and latency (cold ones
  // as -1 - ms, so that one number says both).
  private buffered = 0;
  private readonly bufferedSeries: Series[] = [];
  private readonly bufferedWindow = new Float64Array(BUFFER);
  private readonly bufferedMs = new Float64Array(BUFFER);

  /**
   * The latency an event's transition measured, if any: what the replayer does with each event,
   * without building a sample object for it.
   */
  observe(
    transition: {
      readonly instance: { readonly done: Record<string, number> };
      readonly step?: StepModel | undefined;
      readonly latencyMs?: number | undefined;
    },
    event: { readonly time: number; readonly coldStart?: boolean | undefined },
    workflow: WorkflowModel,
  ): void {
    const { step, latencyMs } = transition;
    if (latencyMs === undefined || step?.latency === undefined) return;
    const at = doneAt(transition.instance, step, event) as number;
    this.add(workflow, step, step.latency, latencyMs, event.coldStart === true, at);
  }

  private add(
    workflow: WorkflowModel,
    step: StepModel,
    latency: NonNullable<StepModel['latency']>,
    ms: number,
    cold: boolean,
    at: number,
  ): void {
    if (workflow !== this.lastWorkflow) {
      let byStep = this.series.get(workflow);
      if (byStep === undefined) {
        byStep = [];
        this.series.set(workflow, byStep);
      }
      this.lastWorkflow = workflow;
      this.lastSeries = byStep;
    }
    let series = this.lastSeries[step.index];
    if (series === undefined) {
      // lastIndex starts as an integer (with no window at hand) rather than NaN, which cost optimized
      // code a bail-out at the start of every run.
      series = {
        workflow,
        step,
        windows: new Map(),
        judged: Number.NEGATIVE_INFINITY,
        lastIndex: -1,
        last: undefined,
      };
      this.lastSeries[step.index] = series;
    }
    const w = windowOf(at, latency.windowMs);
    // A sample for a window already judged is too late to count: its verdict stands. (Nothing is
    // judged before the buffer is folded in, so this holds for the samples waiting in it too.)
    if (w <= series.judged) return;
    this.nextClose = Math.min(this.nextClose, (w + 1) * latency.windowMs + workflow.graceMs);
    const n = this.buffered;
    this.bufferedSeries[n] = series;
    this.bufferedWindow[n] = w;
    this.bufferedMs[n] = cold ? -1 - Math.max(0, ms) : Math.max(0, ms);
    this.buffered = n + 1;
    if (this.buffered === BUFFER) this.flush();
  }

  /**
   * Folds the buffered samples into their windows' sketches. In a run of its own rather than one
   * sample per event: the sketches' code and bins stay in cache, which made each sample cost a
   * fraction of what it did between events.
   */
  private flush(): void {
    for (let i = 0; i < this.buffered; i++) {
      const series = this.bufferedSeries[i] as Series;
      const w = this.bufferedWindow[i] as number;
      let window = series.lastIndex === w ? series.last : series.windows.get(w);
      if (window === undefined) {
        window = newWindow();
        series.windows.set(w, window);
      }
      series.lastIndex = w;
      series.last = window;
      const ms = this.bufferedMs[i] as number;
      if (ms < 0) window.cold.accept(-1 - ms);
      else window.warm.accept(ms);
    }
    this.buffered = 0;
  }

  /** Judges every window whose end plus grace `observed` has passed. */
  close(observed: number): { alerts: Alert[]; notes: string[] } {
    if (observed < this.nextClose) return NOTHING;
    this.flush();
    const alerts: Alert[] = [];
    const notes: string[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const series of [...this.series.values()].flat()) {
      if (series === undefined) continue;
      const latency = series.step.latency as NonNullable<StepModel['latency']>;
      const { windowMs, baselineWindows } = latency;
      const grace = series.workflow.graceMs;
      const ready = [...series.windows.keys()]
        .filter((w) => w > series.judged && (w + 1) * windowMs + grace <= observed)
        .sort((a, b) => a - b);
      for (const w of ready) {
        const baseline = newWindow();
        for (let b = w - baselineWindows; b < w; b++) {
          const past = series.windows.get(b);
          if (past) mergeWindows(baseline, past);
        }
        const verdict = judgeWindow(series.windows.get(w) as LatencyWindow, baseline, series.step, {
          start: w * windowMs,
          end: (w + 1) * windowMs,
        });
        if (verdict.kind === 'shift')
          alerts.push(shiftAlert(series.workflow, series.step, verdict.shift, observed));
        else if (verdict.kind === 'cold-only') notes.push(`${series.workflow.name} ${verdict.note}`);
        series.judged = w;
      }
      for (const w of series.windows.keys()) {
        if (w < series.judged - baselineWindows) series.windows.delete(w);
        else if (w > series.judged) next = Math.min(next, (w + 1) * windowMs + grace);
      }
    }
    this.nextClose = next;
    return { alerts, notes };
  }
}

const NOTHING: { alerts: Alert[]; notes: string[] } = Object.freeze({ alerts: [], notes: [] }) as never;

/**
 * A sketch as stored: the key of its first bin and the counts from there, plus zeros. Far smaller
 * than the library's protobuf (which stores each count as a double): a window of a step is a few
 * hundred bytes, so a consumer can write its share every batch for a fraction of a write unit.
 */
export interface SketchData {
  /** Key of the first count. */
  k: number;
  c: number[];
  /** Values of 0. */
  z?: number;
}

export interface WindowData {
  w?: SketchData;
  c?: SketchData;
}

function encodeSketch(s: DDSketch): SketchData | undefined {
  if (s.count === 0) return undefined;
  const { bins, offset, minKey, maxKey } = s.store;
  const counts: number[] = [];
  if (s.store.count > 0) for (let key = minKey; key <= maxKey; key++) counts.push(bins[key - offset] ?? 0);
  const data: SketchData = { k: s.store.count > 0 ? minKey : 0, c: counts };
  if (s.zeroCount > 0) data.z = s.zeroCount;
  return data;
}

function decodeInto(s: DDSketch, data: SketchData | undefined): void {
  if (data === undefined) return;
  data.c.forEach((count, i) => {
    // A bin's representative value maps back to its own key, so the counts land where they were.
    if (count > 0) s.accept(s.mapping.value(data.k + i), count);
  });
  if (data.z) s.accept(0, data.z);
}

export function encodeWindow(window: LatencyWindow): WindowData {
  const out: WindowData = {};
  const warm = encodeSketch(window.warm);
  const cold = encodeSketch(window.cold);
  if (warm) out.w = warm;
  if (cold) out.c = cold;
  return out;
}

export function decodeWindow(data: WindowData | undefined, into: LatencyWindow = newWindow()): LatencyWindow {
  decodeInto(into.warm, data?.w);
  decodeInto(into.cold, data?.c);
  return into;
}

/**
 * A done step's latency as the baselines count it: from the latest done time of its `after` steps
 * (the start by default) to its own. Undefined while it or one of those is not done (out of order).
 */
export function stepLatency(
  instance: { done: Record<string, number> },
  workflow: WorkflowModel,
  step: StepModel,
): { ms: number; at: number } | undefined {
  const from = latencyOrigin(instance.done, workflow, step);
  if (from === undefined) return undefined;
  const at = instance.done[step.name] as number;
  return { ms: at - from, at };
}

/**
 * Where a done step's latency counts from (the latest done time of its `after` steps), or undefined
 * while it or one of those is not done. Runs on every tracked event: no closures, no allocation.
 */
export function latencyOrigin(
  done: Record<string, number>,
  workflow: WorkflowModel,
  step: StepModel,
): number | undefined {
  // Done times are numbers: a name inherited from Object.prototype (`constructor`) is not one, so a
  // type check stands in for Object.hasOwn, which V8 calls out of line on every use.
  return typeof done[step.name] === 'number' ? latestAfter(done, workflow, step) : undefined;
}

/** The latest done time of a step's `after` steps; undefined while one of them is not done. */
export function latestAfter(
  done: Record<string, number>,
  workflow: WorkflowModel,
  step: StepModel,
): number | undefined {
  let from = Number.NEGATIVE_INFINITY;
  const { after } = step;
  for (let i = 0; i < after.length; i++) {
    const t = done[(workflow.steps[after[i] as number] as StepModel).name];
    if (typeof t !== 'number') return undefined;
    if (t > from) from = t;
  }
  return from;
}

/**
 * When a step that an event's success just made done became done: that event's time for a step
 * without a count (done at its first success), the count-th earliest success's for a counted one.
 */
export const doneAt = (
  instance: { readonly done: Record<string, number> },
  step: StepModel,
  event: { readonly time: number },
): number | undefined => (step.count === undefined ? event.time : instance.done[step.name]);

/** A stored instance's step latency and whether its run was a cold start (`overdue trace`). */
export function stepLatencyOf(
  instance: { done: Record<string, number>; tl: readonly (readonly unknown[])[] },
  workflow: WorkflowModel,
  step: StepModel,
): { ms: number; cold: boolean; at: number } | undefined {
  const latency = stepLatency(instance, workflow, step);
  if (latency === undefined) return undefined;
  // The successful event that made it done: [step, status 0, time, …, coldStart at 6].
  const row = instance.tl.find((r) => r[0] === step.name && r[1] === 0 && r[2] === latency.at);
  return { ...latency, cold: row?.[6] === true };
}
