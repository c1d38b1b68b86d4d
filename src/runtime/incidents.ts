import {
  type Alert,
  alertId,
  type IncidentSummary,
  iso,
  keepEnds,
  messageKey,
  type TimelineEntry,
} from '../engine/alert.js';
import type { WorkflowConfig } from '../workflow/model.js';
import { publishCounted, unsent } from './commit.js';
import { VersionConflictError } from './errors.js';
import type {
  ActivityStore,
  AlertPublisher,
  IncidentState,
  IncidentStore,
  LogSink,
  MetricsSink,
  OpenIncident,
} from './ports.js';
import { type Hold, heldBy, type Silence, type SilenceStore } from './silences.js';

/**
 * Incidents instead of alert storms. When a downstream service dies, every in-flight instance
 * raises the same alert within a minute. Alerts are counted per workflow, kind and step over a
 * window (wall clock): up to the threshold they go out one by one; past it one incident opens and
 * the group's further alerts are attached to it, not published. An open incident says how it grows
 * at most every `updateEvery`, and resolves once a whole window passes with nothing attached.
 *
 * Attached alerts are recorded on their instances as before (trace shows them); the incident keeps
 * their count, the first and last correlation IDs and up to 50 of them. Its messages go through its
 * own outbox (`M / incidents`), published at least once and never lost, as every alert is.
 */

export interface IncidentDeps {
  config: WorkflowConfig;
  store: IncidentStore & SilenceStore & ActivityStore;
  publisher: AlertPublisher;
  metrics: MetricsSink;
  logger: LogSink;
  /** Wall clock: storms are about how many messages people get per minute. */
  clock: () => number;
}

const NOT_GROUPED = new Set<Alert['kind']>(['monitor_lagging', 'latency_shift', 'incident']);
const MAX_IDS = 50;
const MAX_SOURCES = 10;
const MAX_SAMPLES = 3;
const SAMPLE_ROWS = 20;
const RECENT = 20;
const RETRIES = 5;
/** The sweeper publishes another writer's queued incident message only after this long. */
const TAKE_OVER_MS = 10_000;

export const groupOf = (a: Pick<Alert, 'workflow' | 'kind' | 'step'>) =>
  `${a.workflow}|${a.kind}|${a.step ?? ''}`;

/**
 * Splits alerts about to be published into those that go out one by one and those attached to an
 * incident (which then count as published: their outbox entries are cleared). Any failure here
 * publishes everything one by one: a storm is better than a loss.
 */
export async function routeAlerts(
  all: readonly Alert[],
  deps: IncidentDeps,
): Promise<{ now: Alert[]; attached: Alert[]; incidents?: IncidentState; created?: ReadonlySet<Alert> }> {
  // Silences and maintenance windows first: what they hold is recorded, counted as sent.
  const { pass: alerts, held } = await hold(all, deps);
  const routed = await group(alerts, deps);
  return { ...routed, attached: [...routed.attached, ...held] };
}

/**
 * The silences, read at most every SILENCES_TTL_MS per container (a sweep publishes page by page:
 * one read per page would be the same read a hundred times). A new silence takes effect within it.
 */
const SILENCES_TTL_MS = 10_000;
const silenceCache = new WeakMap<object, { at: number; silences: readonly Silence[] }>();

async function currentSilences(wall: number, deps: IncidentDeps): Promise<readonly Silence[]> {
  const cached = silenceCache.get(deps.store);
  if (cached && wall - cached.at < SILENCES_TTL_MS && wall >= cached.at) return cached.silences;
  try {
    const silences = (await deps.store.getSilences()).silences;
    silenceCache.set(deps.store, { at: wall, silences });
    return silences;
  } catch (error) {
    // Without the silences, everything goes out: a silence is a courtesy, an alert is not.
    deps.logger.warn('could not read silences; alerts are published', { error: String(error) });
    return [];
  }
}

/** Alerts a silence or a maintenance window holds back, logged and counted; the rest pass. */
async function hold(
  alerts: readonly Alert[],
  deps: IncidentDeps,
): Promise<{ pass: Alert[]; held: Alert[]; holds: Map<Alert, Hold> }> {
  const wall = deps.clock();
  const silences = await currentSilences(wall, deps);
  const pass: Alert[] = [];
  const held: Alert[] = [];
  const holds = new Map<Alert, Hold>();
  for (const alert of alerts) {
    const by = heldBy(alert, silences, deps.config, wall);
    if (by === undefined) {
      pass.push(alert);
      continue;
    }
    held.push(alert);
    holds.set(alert, by);
    deps.metrics.count('alertsSilenced');
    deps.logger.info('alert silenced', {
      alertId: alert.alertId,
      kind: alert.kind,
      workflow: alert.workflow,
      correlationId: alert.correlationId,
      step: alert.step,
      silencedBy: by.by,
      reason: by.reason,
    });
  }
  return { pass, held, holds };
}

async function group(
  alerts: readonly Alert[],
  deps: IncidentDeps,
): Promise<{ now: Alert[]; attached: Alert[]; incidents?: IncidentState; created?: ReadonlySet<Alert> }> {
  const groups = new Map<string, Alert[]>();
  const now: Alert[] = [];
  for (const alert of alerts) {
    const model = deps.config.workflows.get(alert.workflow);
    if (NOT_GROUPED.has(alert.kind) || model === undefined || model.incidents.threshold === 0) {
      now.push(alert);
      continue;
    }
    const group = groupOf(alert);
    groups.set(group, [...(groups.get(group) ?? []), alert]);
  }
  if (groups.size === 0) return { now, attached: [] };
  try {
    const wall = deps.clock();
    let state = await deps.store.getIncidents();
    // Counted once: a retry of the state write must not count the same alerts again.
    const toAttach = new Map<string, Alert[]>();
    for (const [group, list] of groups) {
      const firing = list.filter((a) => a.state !== 'resolved');
      const settings = deps.config.workflows.get(list[0]?.workflow as string)?.incidents;
      if (settings === undefined) continue;
      if (state.open[group] !== undefined) {
        toAttach.set(group, list);
        if (firing.length > 0) {
          await deps.store.countAlerts(
            group,
            Math.floor(wall / settings.windowMs),
            firing.length,
            wall + 3 * settings.windowMs,
          );
        }
        continue;
      }
      const resolutions = list.filter((a) => a.state === 'resolved');
      now.push(...resolutions);
      if (firing.length === 0) continue;
      const total = await deps.store.countAlerts(
        group,
        Math.floor(wall / settings.windowMs),
        firing.length,
        wall + 3 * settings.windowMs,
      );
      const room = Math.max(0, settings.threshold - (total - firing.length));
      now.push(...firing.slice(0, room));
      if (firing.length > room) toAttach.set(group, firing.slice(room));
    }
    if (toAttach.size === 0) return { now, attached: [] };
    const created = new Set<Alert>();
    for (let attempt = 0; ; attempt++) {
      created.clear();
      for (const [group, list] of toAttach) {
        const message = attach(state, group, list, wall, deps);
        if (message) created.add(message);
      }
      try {
        state.version = await deps.store.putIncidents(state);
        break;
      } catch (error) {
        if (!(error instanceof VersionConflictError) || attempt >= RETRIES) throw error;
        state = await deps.store.getIncidents();
      }
    }
    const attached = [...toAttach.values()].flat();
    deps.metrics.count('alertsAttached', attached.length);
    // The caller publishes the messages this call queued, after its own alerts (they came first);
    // those other writers queued are theirs, or the sweeper's once they have waited.
    return { now, attached, incidents: state, created };
  } catch (error) {
    deps.metrics.count('incidentFailures');
    deps.logger.error('could not group alerts into incidents; they are published one by one', {
      error: String(error),
    });
    return { now: [...alerts], attached: [] };
  }
}

/** Adds alerts to the group's incident, opening it (with its first message in the outbox) if none is. */
function attach(
  state: IncidentState,
  group: string,
  alerts: readonly Alert[],
  wall: number,
  deps: IncidentDeps,
): Alert | undefined {
  const first = alerts[0] as Alert;
  const model = deps.config.workflows.get(first.workflow);
  const settings = model?.incidents;
  let open = state.open[group];
  if (open === undefined) {
    const threshold = settings?.threshold ?? 0;
    const summary: IncidentSummary = {
      id: alertId(first.workflow, `incident@${iso(wall)}`, 'incident', `${first.kind}|${first.step ?? ''}`),
      of: first.kind,
      update: 0,
      // Those published one by one before it opened belong to it too.
      count: threshold,
      openedAt: iso(wall),
      firstCorrelationId: first.correlationId,
      lastCorrelationId: first.correlationId,
      correlationIds: [],
      sources: [],
      samples: [],
    };
    open = {
      summary,
      workflow: first.workflow,
      step: first.step,
      severity: model?.severity ?? first.severity,
      updatedAt: wall,
      publishedCount: 0,
      lastAttachAt: wall,
      windowMs: settings?.windowMs ?? 60_000,
      updateEveryMs: settings?.updateEveryMs ?? 300_000,
    };
    state.open[group] = open;
  }
  const s = open.summary;
  for (const alert of alerts) {
    if (alert.state === 'resolved') continue;
    s.count++;
    s.lastCorrelationId = alert.correlationId;
    if (s.correlationIds.length < MAX_IDS && !s.correlationIds.includes(alert.correlationId))
      s.correlationIds.push(alert.correlationId);
    for (const e of alert.timeline)
      if (e.source && s.sources.length < MAX_SOURCES && !s.sources.includes(e.source))
        s.sources.push(e.source);
    if (s.samples.length < MAX_SAMPLES)
      s.samples.push({
        correlationId: alert.correlationId,
        timeline: keepEnds(alert.timeline, SAMPLE_ROWS).kept,
      });
  }
  open.lastAttachAt = wall;
  if (open.publishedCount === 0 && !state.pending.some((p) => p.alertId === s.id)) {
    const message = incidentMessage(open, wall, false);
    state.pending.push(message);
    open.publishedCount = s.count;
    return message;
  }
  return undefined;
}

/** The message an incident sends: an alert record of kind `incident`, with what it groups. */
function incidentMessage(open: OpenIncident, wall: number, resolved: boolean): Alert {
  const s = structuredClone(open.summary);
  const sample = s.samples[0]?.timeline ?? ([] as TimelineEntry[]);
  const message: Alert = {
    alertId: s.id,
    kind: 'incident',
    workflow: open.workflow,
    correlationId: `incident:${s.id}`,
    step: open.step,
    severity: open.severity,
    status: 'running',
    deadline: null,
    detectedAt: iso(wall),
    lateByMs: 0,
    missing: [],
    timeline: sample,
    traceIds: [...new Set(sample.flatMap((e) => (e.traceId ? [e.traceId] : [])))],
    incident: s,
  };
  if (resolved) message.state = 'resolved';
  return message;
}

/**
 * The sweeper's part, every sweep: an update for each incident that grew (at most every
 * `updateEvery`), a resolution for each that had a quiet window, and the outbox published.
 */
export async function maintainIncidents(deps: IncidentDeps): Promise<void> {
  try {
    for (let attempt = 0; ; attempt++) {
      const state = await deps.store.getIncidents();
      const wall = deps.clock();
      let changed = false;
      const created = new Set<Alert>();
      for (const [group, open] of Object.entries(state.open)) {
        const s = open.summary;
        if (wall - open.lastAttachAt >= open.windowMs) {
          const message = incidentMessage(open, wall, true);
          created.add(message);
          state.pending.push(message);
          state.recent = [s, ...state.recent].slice(0, RECENT);
          delete state.open[group];
          changed = true;
          deps.metrics.count('incidentsResolved');
        } else if (s.count > open.publishedCount && wall - open.updatedAt >= open.updateEveryMs) {
          s.update++;
          const message = incidentMessage(open, wall, false);
          created.add(message);
          state.pending.push(message);
          open.publishedCount = s.count;
          open.updatedAt = wall;
          changed = true;
        }
      }
      if (changed) {
        try {
          state.version = await deps.store.putIncidents(state);
        } catch (error) {
          if (error instanceof VersionConflictError && attempt < RETRIES) continue;
          throw error;
        }
      }
      // What the consumer or a worker just queued is theirs to publish: the sweeper takes it
      // over only once it has waited a while (a publish that failed), or when it queued it itself.
      await publishIncidents(
        state,
        deps,
        (m) => created.has(m) || Date.parse(m.detectedAt) <= wall - TAKE_OVER_MS,
      );
      return;
    }
  } catch (error) {
    deps.metrics.count('incidentFailures');
    deps.logger.error('could not maintain incidents; the next sweep retries', { error: String(error) });
  }
}

/** Publishes the incident outbox and clears what went out; what fails stays for the next sweep. */
export async function publishIncidents(
  state: IncidentState,
  deps: IncidentDeps,
  only: (message: Alert) => boolean = () => true,
): Promise<void> {
  const due = state.pending.filter(only);
  if (due.length === 0) return;
  // An incident's messages are held by the silences and windows that would hold its alerts; the
  // incident says so, for its later messages and the recent list.
  const { pass, held, holds } = await hold(due, deps);
  for (const message of held) {
    const by = holds.get(message);
    const open = Object.values(state.open).find((o) => o.summary.id === message.alertId);
    if (open && by)
      open.summary.silencedBy = { id: by.by, reason: by.reason, until: new Date(by.until).toISOString() };
  }
  const sent = await publishCounted(pass, deps);
  const published = new Set([...sent.published, ...held.map((a) => messageKey(a))]);
  if (published.size === 0) return;
  for (let attempt = 0; ; attempt++) {
    state.pending = unsent(state.pending, published);
    try {
      state.version = await deps.store.putIncidents(state);
      return;
    } catch (error) {
      // Published twice at worst (subscribers drop repeats by alertId and state): never lost.
      if (!(error instanceof VersionConflictError) || attempt >= RETRIES) throw error;
      const fresh = await deps.store.getIncidents();
      Object.assign(state, fresh);
    }
  }
}
