import type { TraceLinker } from '../alerts/trace-links.js';
import { ALERT_KINDS } from '../engine/alert.js';
import { type Sketch, windowOf } from '../engine/baselines.js';
import { baselinesOf, mergedStepWindows, traceJson } from '../inspect/instance.js';
import { isoMinute } from '../runtime/activity.js';
import type { OutcomeCount } from '../runtime/ports.js';
import type { DynamoDbStore, SentMessage } from '../store/dynamodb-store.js';
import { instancePk } from '../store/keys.js';
import type { WorkflowConfig } from '../workflow/model.js';
import { SEVERITIES } from '../workflow/schema.js';

/**
 * What `overdue console` shows, read from the monitor's table through the SDK and never by a scan:
 * the wake-up index (keys only) for what is in flight, the outcome counters and the record of sent
 * messages for the last hour, the incidents item, the latency shares for the sparklines. Every
 * answer says what it cost in read units, so the board's price per refresh is a number.
 */
export type ConsoleStore = Pick<
  DynamoDbStore,
  | 'readUnits'
  | 'inFlight'
  | 'outcomesSince'
  | 'sentBetween'
  | 'getIncidents'
  | 'latencyShares'
  | 'getInstances'
>;

export interface ConsoleDeps {
  store: ConsoleStore;
  config: WorkflowConfig;
  clock: () => number;
  traceLink: TraceLinker;
}

const HOUR = 3600_000;
/** Latency windows a sparkline shows. */
const SPARK_WINDOWS = 8;

export const OUTCOMES = ['completed', 'late', 'failed', 'timed_out', 'incomplete', 'cancelled'] as const;
type Outcomes = Record<(typeof OUTCOMES)[number], number>;

export interface BoardWorkflow {
  name: string;
  inFlight: number;
  outcomes: Outcomes;
  /** Ended instances per minute, last hour, oldest first. */
  perMinute: number[];
  alertsLastHour: number;
  /** Alerts of the last hour not resolved since (no resolution with the same alertId). */
  openAlerts: number;
  alertsByKind: Record<string, number>;
  openIncidents: { id: string; of: string; step: string | null; count: number; severity: string }[];
  latency: { step: string; windowMs: number; p50: (number | null)[]; p99: (number | null)[] }[];
}

export interface Board {
  generatedAt: string;
  workflows: BoardWorkflow[];
  readUnits: number;
  loadMs: number;
}

async function metered<T>(store: ConsoleStore, clock: () => number, read: () => Promise<T>) {
  const units = store.readUnits;
  const started = clock();
  const value = await read();
  return { value, readUnits: store.readUnits - units, loadMs: clock() - started };
}

/** The board: every workflow at a glance. */
export async function board(deps: ConsoleDeps): Promise<Board> {
  const { store, config, clock } = deps;
  const { value, readUnits, loadMs } = await metered(store, clock, async () => {
    const now = clock();
    const since = isoMinute(now - HOUR);
    const [inFlight, sent, incidents] = await Promise.all([
      store.inFlight(),
      store.sentBetween(now - HOUR, now),
      store.getIncidents(),
    ]);
    const workflows = await Promise.all(
      [...config.workflows.values()].map(async (model): Promise<BoardWorkflow> => {
        const counts = await store.outcomesSince(model.name, since);
        const outcomes = sumOutcomes(counts);
        const alerts = sent.filter((m) => m.workflow === model.name && !m.incident && m.state !== 'resolved');
        const resolved = new Set(
          sent.filter((m) => m.workflow === model.name && m.state === 'resolved').map((m) => m.alertId),
        );
        const alertsByKind: Record<string, number> = {};
        for (const a of alerts) alertsByKind[a.kind] = (alertsByKind[a.kind] ?? 0) + 1;
        return {
          name: model.name,
          inFlight: inFlight.get(model.name) ?? 0,
          outcomes,
          perMinute: perMinute(counts, now),
          alertsLastHour: alerts.length,
          openAlerts: alerts.filter((a) => !resolved.has(a.alertId)).length,
          alertsByKind,
          openIncidents: Object.values(incidents.open)
            .filter((o) => o.workflow === model.name)
            .map((o) => ({
              id: o.summary.id,
              of: o.summary.of,
              step: o.step,
              count: o.summary.count,
              severity: o.severity,
            })),
          latency: await Promise.all(
            model.steps
              .filter((s) => s.latency !== undefined)
              .map(async (step) => {
                const windowMs = step.latency?.windowMs as number;
                const last = windowOf(now, windowMs);
                const windows = await Promise.all(
                  Array.from({ length: SPARK_WINDOWS }, (_, i) => last - SPARK_WINDOWS + 1 + i).map((index) =>
                    mergedStepWindows(store, model.name, step, index, index),
                  ),
                );
                // A sparkline shows every run, cold and warm together.
                const runs = windows.map(({ warm, cold }) => {
                  if (cold.count > 0) warm.merge(cold);
                  return warm;
                });
                const at = (q: number) =>
                  runs.map((all) => (all.count === 0 ? null : Math.round(all.getValueAtQuantile(q))));
                return { step: step.name, windowMs, p50: at(0.5), p99: at(0.99) };
              }),
          ),
        };
      }),
    );
    return workflows;
  });
  return { generatedAt: new Date(clock()).toISOString(), workflows: value, readUnits, loadMs };
}

function sumOutcomes(counts: readonly OutcomeCount[]): Outcomes {
  const out: Outcomes = { completed: 0, late: 0, failed: 0, timed_out: 0, incomplete: 0, cancelled: 0 };
  for (const c of counts) for (const k of OUTCOMES) out[k] += c.counts[k] ?? 0;
  return out;
}

function perMinute(counts: readonly OutcomeCount[], now: number): number[] {
  const series = new Array<number>(60).fill(0);
  const first = Math.floor((now - HOUR) / 60_000) + 1;
  for (const c of counts) {
    const i = Math.floor(Date.parse(`${c.minute}:00Z`) / 60_000) - first;
    if (i < 0 || i >= 60) continue;
    let ended = 0;
    for (const k of OUTCOMES) if (k !== 'late') ended += c.counts[k] ?? 0;
    series[i] = (series[i] ?? 0) + ended;
  }
  return series;
}

/** One correlation ID in every workflow of the file (or one): what `overdue trace --json` says, plus links. */
export async function instanceView(deps: ConsoleDeps, correlationId: string, workflow?: string) {
  const { store, config, clock } = deps;
  const { value, readUnits } = await metered(store, clock, async () => {
    const names = workflow ? [workflow] : [...config.workflows.keys()];
    const found = await store.getInstances(
      names.map((w) => instancePk(w, correlationId)),
      { consistent: true },
    );
    return Promise.all(
      [...found.values()].map(async (stored) => {
        const model = config.workflows.get(stored.instance.wf);
        const baselines = await baselinesOf(stored, model, store as DynamoDbStore);
        const json = traceJson(stored, model, baselines);
        return {
          ...json,
          start: model?.steps[0]?.name ?? null,
          // Where each step's window opens: its deadline less its `within` (the steps it follows done).
          steps: json.steps.map((st) => {
            const within = model?.steps.find((m) => m.name === st.step)?.withinMs;
            const opens =
              st.deadline === null || within === undefined
                ? null
                : new Date(Date.parse(st.deadline) - within).toISOString();
            return { ...st, opens };
          }),
          timeline: json.timeline.map((row) => ({
            ...row,
            traceUrl: row.traceId === undefined ? undefined : deps.traceLink(row.traceId),
          })),
        };
      }),
    );
  });
  return { generatedAt: new Date(clock()).toISOString(), instances: value, readUnits };
}

/** A step's latency over the recent windows, warm and cold apart, and its recent alerts. */
export async function stepView(deps: ConsoleDeps, workflow: string, stepName: string) {
  const { store, config, clock } = deps;
  const model = config.workflows.get(workflow);
  const step = model?.steps.find((s) => s.name === stepName && s.index > 0);
  if (model === undefined || step === undefined) return undefined;
  const { value, readUnits } = await metered(store, clock, async () => {
    const now = clock();
    const latency = step.latency;
    let histogram: ReturnType<typeof histogramOf> | undefined;
    if (latency) {
      const last = windowOf(now, latency.windowMs);
      const first = last - latency.baselineWindows;
      const merged = await mergedStepWindows(store, workflow, step, first, last);
      histogram = histogramOf(merged.warm, merged.cold, new Date(first * latency.windowMs).toISOString());
    }
    const sent = await store.sentBetween(now - 24 * HOUR, now);
    const alerts = sent.filter((m) => m.workflow === workflow && m.step === stepName).slice(0, 50);
    // The table keeps no per-step event log: what it knows of a step's failures is what was alerted.
    const failures = alerts.filter(
      (m) =>
        m.state !== 'resolved' && ['workflow_failed', 'step_overdue', 'assertion_failed'].includes(m.kind),
    );
    const slowest = [...alerts]
      .filter((m) => m.lateByMs > 0 && m.state !== 'resolved')
      .sort((a, b) => b.lateByMs - a.lateByMs)
      .slice(0, 10);
    return { histogram, tracked: latency !== undefined, recent: alerts.slice(0, 20), failures, slowest };
  });
  return { workflow, step: stepName, generatedAt: new Date(clock()).toISOString(), ...value, readUnits };
}

/** Latency buckets of the two sketches on one scale (the sketches' own bins, 1% apart, regrouped). */
function histogramOf(warm: Sketch, cold: Sketch, since: string) {
  const quant = (s: Sketch) =>
    s.count === 0
      ? null
      : {
          count: s.count,
          p50: Math.round(s.getValueAtQuantile(0.5)),
          p90: Math.round(s.getValueAtQuantile(0.9)),
          p99: Math.round(s.getValueAtQuantile(0.99)),
        };
  const values = (s: Sketch): [number, number][] => {
    const out: [number, number][] = [];
    const { bins, offset } = s.store;
    for (let i = 0; i < bins.length; i++) {
      const n = bins[i] as number;
      if (n > 0) out.push([s.mapping.value(i + offset), n]);
    }
    if (s.zeroCount > 0) out.push([0, s.zeroCount]);
    return out;
  };
  const w = values(warm);
  const c = values(cold);
  const all = [...w, ...c].map(([v]) => v);
  const edges: number[] = [];
  if (all.length > 0) {
    // 24 buckets, evenly spaced on a log scale between the extremes: latencies are long-tailed.
    // At least a factor of four wide, so that a steady step still shows as one bar among others.
    const min = Math.max(1, Math.min(...all));
    const max = Math.max(...all);
    const lo = Math.min(min, Math.sqrt((min * max) / 4));
    const hi = Math.max(max, lo * 4);
    for (let i = 0; i <= 24; i++) edges.push(lo * (hi / lo) ** (i / 24));
  }
  const bucket = (pairs: [number, number][]) => {
    const counts = new Array<number>(Math.max(0, edges.length - 1)).fill(0);
    for (const [v, n] of pairs) {
      let i = edges.findIndex((e, k) => k > 0 && v <= e);
      if (i < 0) i = edges.length - 1;
      counts[Math.max(0, i - 1)] = (counts[Math.max(0, i - 1)] ?? 0) + n;
    }
    return counts;
  };
  return {
    edges: edges.map((e) => Math.round(e)),
    warm: bucket(w),
    cold: bucket(c),
    warmQuantiles: quant(warm),
    coldQuantiles: quant(cold),
    since,
  };
}

export interface AlertFilter {
  workflow?: string | undefined;
  kind?: string | undefined;
  severity?: string | undefined;
  hours?: number | undefined;
}

/** The messages sent lately, newest first, filtered. */
export async function alertsView(deps: ConsoleDeps, filter: AlertFilter) {
  const { store, clock } = deps;
  const hours = Math.min(Math.max(filter.hours ?? 24, 1), 48);
  const { value, readUnits } = await metered(store, clock, async () => {
    const now = clock();
    return (await store.sentBetween(now - hours * HOUR, now)).filter(
      (m: SentMessage) =>
        (!filter.workflow || m.workflow === filter.workflow) &&
        (!filter.kind || m.kind === filter.kind || m.incident?.of === filter.kind) &&
        (!filter.severity || m.severity === filter.severity),
    );
  });
  return {
    generatedAt: new Date(clock()).toISOString(),
    hours,
    kinds: ALERT_KINDS,
    severities: SEVERITIES,
    workflows: [...deps.config.workflows.keys()],
    alerts: value.slice(0, 500),
    total: value.length,
    readUnits,
  };
}
