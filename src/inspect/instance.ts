import { iso } from '../engine/alert.js';
import { decodeWindow, type LatencyWindow, newWindow, stepLatencyOf, windowOf } from '../engine/baselines.js';
import { deadlinesOf, timelineOf } from '../engine/transition.js';
import type { StoredInstance } from '../runtime/ports.js';
import type { DynamoDbStore } from '../store/dynamodb-store.js';
import type { StepModel, WorkflowModel } from '../workflow/model.js';

/** A step's run against its learned baseline (steps with `latency:`), as trace and the console show it. */
export interface StepBaseline {
  ms: number;
  start: 'cold' | 'warm';
  /** The baseline's p99 for runs of this start, from the windows before the step's; undefined: none yet. */
  p99: number | undefined;
  runs: number;
}

// What a stored instance says, read by `overdue trace` and by the console: its timeline, each step
// against its deadline and its learned baseline, the alerts raised and pending.

/**
 * A step's runs in the windows `from` to `to` (inclusive, by index), merged across the consumers'
 * shares: what trace, the console's sparklines and its step view read of a baseline.
 */
export async function mergedStepWindows(
  store: Pick<DynamoDbStore, 'latencyShares'>,
  workflow: string,
  step: StepModel,
  from: number,
  to: number,
): Promise<LatencyWindow> {
  const merged = newWindow();
  const windowMs = step.latency?.windowMs;
  if (windowMs === undefined) return merged;
  const indexes = Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
  // The windows are separate keys: read them together.
  const shares = await Promise.all(
    indexes.map((index) => store.latencyShares({ workflow, windowMs, index })),
  );
  for (const share of shares.flat()) decodeWindow(share[step.name], merged);
  return merged;
}

/**
 * Each done step with a learned baseline against it: the windows before the step's own, merged
 * across the consumers' shares, as the sweeper judges that window.
 */
export async function baselinesOf(
  stored: StoredInstance,
  model: WorkflowModel | undefined,
  store: DynamoDbStore,
): Promise<Map<string, StepBaseline>> {
  const out = new Map<string, StepBaseline>();
  if (!model) return out;
  for (const step of model.steps) {
    const latency = step.latency;
    if (!latency) continue;
    const run = stepLatencyOf(stored.instance, model, step);
    if (!run) continue;
    const w = windowOf(run.at, latency.windowMs);
    const merged = await mergedStepWindows(store, model.name, step, w - latency.baselineWindows, w - 1);
    const sketch = run.cold ? merged.cold : merged.warm;
    out.set(step.name, {
      ms: run.ms,
      start: run.cold ? 'cold' : 'warm',
      p99: sketch.count === 0 ? undefined : sketch.getValueAtQuantile(0.99),
      runs: sketch.count,
    });
  }
  return out;
}

/** What `trace --json` prints for one instance. */
export function traceJson(
  stored: StoredInstance,
  model: WorkflowModel | undefined,
  baselines: ReadonlyMap<string, StepBaseline> | undefined,
) {
  const { instance } = stored;
  const at = (t: number | undefined) => (t === undefined ? null : iso(t));
  const deadlines = model ? deadlinesOf(instance, model) : undefined;
  return {
    workflow: instance.wf,
    correlationId: instance.id,
    status: instance.st,
    late: instance.late === true,
    version: stored.version,
    timeline: model ? timelineOf(instance, model) : [],
    timelineTrimmed: instance.tlx ?? 0,
    origin: at(deadlines?.origin),
    workflowDeadline: at(deadlines?.workflow),
    steps: (deadlines?.steps ?? [])
      .filter((s) => s.expected)
      .map((s) => {
        const b = baselines?.get(s.step);
        const baseline =
          b === undefined
            ? null
            : {
                ms: b.ms,
                start: b.start,
                p99: b.p99 === undefined ? null : Math.round(b.p99),
                runs: b.runs,
                within: b.p99 === undefined ? null : b.ms <= b.p99,
              };
        return { step: s.step, required: s.required, done: at(s.done), deadline: at(s.deadline), baseline };
      }),
    alertsRaised: instance.fired ?? [],
    pending: stored.pending.map((a) => ({ alertId: a.alertId, kind: a.kind, step: a.step })),
    nextWakeUp: at(instance.wk),
    unknownStepEvents: instance.ign ?? 0,
    notes: instance.notes ?? [],
  };
}
