import type { Alert } from '../engine/alert.js';
import { LatencyBaselines } from '../engine/baselines.js';
import type { Instance, InstanceStatus } from '../engine/instance.js';
import {
  advance,
  applyEvent,
  type EventTransition,
  eventHash,
  isDuplicate,
  missingSteps,
} from '../engine/transition.js';
import { parseEvent } from '../events/parse.js';
import type { InvalidReason, TelemetryEvent } from '../events/telemetry.js';
import { formatDuration } from '../workflow/duration.js';
import type { WorkflowConfig, WorkflowModel } from '../workflow/model.js';
import { MinHeap } from './min-heap.js';

export interface InstanceSummary {
  workflow: string;
  correlationId: string;
  status: InstanceStatus;
  late: boolean;
  missing: string[];
  /** Problems in the instance's events, such as a count attribute that is not a number. */
  notes?: string[];
}

export interface InvalidLine {
  line: number;
  reason: InvalidReason;
  message: string;
}

export interface ReplayStats {
  lines: number;
  events: number;
  duplicates: number;
  invalid: number;
  ignored: number;
  instances: number;
  alerts: number;
  invalidByReason: Partial<Record<InvalidReason, number>>;
  /** Observed time at the end, ISO-8601; null when no valid event was read. */
  observedTime: string | null;
}

export interface ReplayResult {
  alerts: Alert[];
  instances: InstanceSummary[];
  stats: ReplayStats;
  /** The first MAX_INVALID_KEPT invalid lines; `stats.invalid` counts them all. */
  invalidLines: InvalidLine[];
  /** What the latency baselines saw without alerting: windows where only cold starts got slower. */
  notes: string[];
}

interface Live {
  instance: Instance;
  model: WorkflowModel;
  /** The time of its one current entry in the heap, which may be earlier than its wake-up (`wk`). */
  queued: number | undefined;
}

const MAX_INVALID_KEPT = 1000;

/**
 * Replay without I/O: feed lines in arrival order, then finish. Memory holds the full state of
 * instances still inside their retention, and a small summary of the rest.
 */
export class Replayer {
  private observed = Number.NEGATIVE_INFINITY;
  /** workflow → its model and its instances by correlation ID. */
  private readonly live = new Map<string, { model: WorkflowModel; instances: Map<string, Live> }>();
  private readonly ended = new Map<string, InstanceSummary>();
  // Instances that ended, oldest first: dropped from `live` once their retention has passed.
  private readonly endedQueue: ({ entry: Live; end: number } | undefined)[] = [];
  private endedHead = 0;
  // Wake-ups in global deadline order. An instance whose wake-up moves later keeps its earlier
  // entry, which is re-queued when it comes up: most events move wake-ups later, so most need no push.
  private readonly due = new MinHeap<Live>(
    (a, b) => a.model.name < b.model.name || (a.model.name === b.model.name && a.instance.id < b.instance.id),
  );
  private readonly alerts: Alert[] = [];
  // Learned latency baselines, when a workflow asks for them (`latency:`).
  private readonly baselines: LatencyBaselines | undefined;
  private readonly notes: string[] = [];
  private alertCount = 0;
  private readonly invalidLines: InvalidLine[] = [];
  private readonly stats = {
    lines: 0,
    events: 0,
    duplicates: 0,
    invalid: 0,
    ignored: 0,
    invalidByReason: {} as Partial<Record<InvalidReason, number>>,
  };

  /**
   * `maxSkewMs` bounds event times from above by the latest event time so far plus the skew (design
   * §1): replay has no arrival times, so without it only the range a date can hold applies.
   */
  constructor(
    private readonly config: WorkflowConfig,
    private readonly options: {
      maxSkewMs?: number;
      /** Receives each alert as it is raised, which the replayer then does not keep (streaming output). */
      onAlert?: (alert: Alert) => void;
      /** Sees each event folded in, with what it did (`overdue stats`). */
      onEvent?: (
        event: TelemetryEvent,
        result: EventTransition,
        statusBefore: InstanceStatus | undefined,
      ) => void;
    } = {},
  ) {
    for (const [name, model] of config.workflows) this.live.set(name, { model, instances: new Map() });
    const tracked = [...config.workflows.values()].some((m) => m.steps.some((s) => s.latency !== undefined));
    this.baselines = tracked ? new LatencyBaselines() : undefined;
  }

  /** One NDJSON line; blank lines are skipped. */
  push(line: string): void {
    if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === '')) return;
    const lineNumber = ++this.stats.lines;
    const skew = this.options.maxSkewMs;
    const parsed = parseEvent(
      line,
      this.config,
      skew === undefined || !Number.isFinite(this.observed)
        ? undefined
        : {
            notAfter: this.observed + skew,
            because: `the latest event time so far plus --max-skew ${formatDuration(skew)}`,
          },
    );
    if (!parsed.ok) {
      this.stats.invalid++;
      this.stats.invalidByReason[parsed.reason] = (this.stats.invalidByReason[parsed.reason] ?? 0) + 1;
      if (this.invalidLines.length < MAX_INVALID_KEPT) {
        this.invalidLines.push({ line: lineNumber, reason: parsed.reason, message: parsed.message });
      }
      return;
    }
    const event = parsed.event;
    const { model, instances } = this.live.get(event.workflow) as {
      model: WorkflowModel;
      instances: Map<string, Live>;
    };
    const entry = instances.get(event.correlationId);
    const hash = eventHash(event.eventId);
    if (isDuplicate(entry?.instance, hash)) {
      this.stats.duplicates++;
      return;
    }
    if (event.time > this.observed) this.moveTo(event.time);
    const endedBefore = entry?.instance.end;
    const statusBefore = entry?.instance.st;
    const result = applyEvent(
      entry?.instance,
      event,
      model,
      this.observed,
      hash,
      this.options.onEvent !== undefined,
    );
    this.options.onEvent?.(event, result, statusBefore);
    this.stats.events++;
    if (result.effect === 'ignored') this.stats.ignored++;
    for (const alert of result.alerts) this.raise(alert);
    this.baselines?.observe(result, event, model);
    if (entry === undefined) {
      const fresh: Live = { instance: result.instance, model, queued: undefined };
      instances.set(event.correlationId, fresh);
      this.ended.delete(summaryKey(model.name, event.correlationId)); // it expired before: anew
      this.track(fresh, endedBefore);
    } else this.track(entry, endedBefore);
  }

  /** Ends the replay: `at` moves observed time there; `drain` past every pending deadline. */
  finish(options: { at?: number; drain?: boolean } = {}): ReplayResult {
    if (options.at !== undefined && options.at > this.observed) this.moveTo(options.at);
    if (options.drain) {
      for (let at = this.nextDue(); at !== undefined; at = this.nextDue()) this.moveTo(at);
    }
    const instances: InstanceSummary[] = [...this.ended.values()];
    for (const { instances: byId } of this.live.values()) {
      for (const { instance, model } of byId.values()) instances.push(summarize(instance, model));
    }
    instances.sort((a, b) =>
      a.workflow === b.workflow ? compare(a.correlationId, b.correlationId) : compare(a.workflow, b.workflow),
    );
    return {
      alerts: this.alerts,
      instances,
      invalidLines: this.invalidLines,
      notes: this.notes,
      stats: {
        ...this.stats,
        instances: instances.length,
        alerts: this.alertCount,
        observedTime: Number.isFinite(this.observed) ? new Date(this.observed).toISOString() : null,
      },
    };
  }

  private raise(alert: Alert): void {
    this.alertCount++;
    if (this.options.onAlert) this.options.onAlert(alert);
    else this.alerts.push(alert);
  }

  /** Advances observed time, processing every deadline final by then in global deadline order. */
  private moveTo(time: number): void {
    this.observed = Math.max(this.observed, time);
    for (let at = this.nextDue(); at !== undefined && at <= this.observed; at = this.nextDue()) {
      const entry = this.due.pop() as Live;
      entry.queued = undefined;
      const endedBefore = entry.instance.end;
      const { alerts } = advance(entry.instance, entry.model, this.observed, { once: true });
      for (const alert of alerts) this.raise(alert);
      this.track(entry, endedBefore);
    }
    if (this.baselines) {
      const judged = this.baselines.close(this.observed);
      for (const alert of judged.alerts) this.raise(alert);
      this.notes.push(...judged.notes);
    }
    this.expire();
  }

  /** The earliest wake-up that is still current, re-queueing those that have moved later. */
  private nextDue(): number | undefined {
    for (let at = this.due.peekKey(); at !== undefined; at = this.due.peekKey()) {
      const entry = this.due.peek() as Live;
      const wake = entry.instance.wk;
      if (entry.queued === at && wake === at) return at;
      this.due.pop();
      if (entry.queued !== at) continue; // superseded by an earlier entry
      entry.queued = undefined;
      if (wake !== undefined) this.queue(entry, wake);
    }
    return undefined;
  }

  private queue(entry: Live, at: number): void {
    entry.queued = at;
    this.due.push(at, entry);
  }

  /** Queues the instance's next wake-up if it moved earlier, and its expiry when it has (again) ended. */
  private track(entry: Live, endedBefore: number | undefined): void {
    const wake = entry.instance.wk;
    if (wake !== undefined && (entry.queued === undefined || wake < entry.queued)) this.queue(entry, wake);
    const end = entry.instance.end;
    if (end !== undefined && end !== endedBefore) {
      this.endedQueue.push({ entry, end });
      // Only a timed-out instance can raise another alert, and only alerts show a timeline: the
      // others keep what dedup and their summary need. Most instances end long before retention does.
      if (entry.instance.st !== 'timed_out') entry.instance.tl = [];
    }
  }

  /** Ended instances past their retention keep only their summary, as the table's TTL would. */
  private expire(): void {
    while (this.endedHead < this.endedQueue.length) {
      const { entry, end } = this.endedQueue[this.endedHead] as { entry: Live; end: number };
      const { instance, model } = entry;
      if (instance.end === end && end + model.retentionMs > this.observed) break;
      this.endedQueue[this.endedHead++] = undefined; // let the expired instance go now, not at the splice
      const { instances } = this.live.get(model.name) as { instances: Map<string, Live> };
      if (instance.end !== end || instances.get(instance.id) !== entry) continue; // ended again later, or gone
      instances.delete(instance.id);
      this.ended.set(summaryKey(model.name, instance.id), summarize(instance, model));
    }
    if (this.endedHead > 4096 && this.endedHead * 2 > this.endedQueue.length) {
      this.endedQueue.splice(0, this.endedHead);
      this.endedHead = 0;
    }
  }
}

const summaryKey = (workflow: string, correlationId: string) => `${workflow}\u0000${correlationId}`;

function summarize(instance: Instance, model: WorkflowModel): InstanceSummary {
  return {
    workflow: instance.wf,
    correlationId: instance.id,
    status: instance.st,
    late: instance.late === true,
    missing: missingSteps(instance, model),
    ...(instance.notes === undefined ? {} : { notes: instance.notes }),
  };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
