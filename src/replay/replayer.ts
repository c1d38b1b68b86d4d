import type { Alert } from '../engine/alert.js';
import type { Instance, InstanceStatus } from '../engine/instance.js';
import { advance, applyEvent, isDuplicate, missingSteps, nextWake } from '../engine/transition.js';
import { parseEvent } from '../events/parse.js';
import type { InvalidReason } from '../events/telemetry.js';
import type { WorkflowConfig, WorkflowModel } from '../workflow/model.js';
import { MinHeap } from './min-heap.js';

export interface InstanceSummary {
  workflow: string;
  correlationId: string;
  status: InstanceStatus;
  late: boolean;
  missing: string[];
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
}

interface Live {
  instance: Instance;
  model: WorkflowModel;
  /** The wake time this instance is queued under; stale heap entries are skipped. */
  wake: number | undefined;
}

interface Due {
  wake: number;
  key: string;
  workflow: string;
  correlationId: string;
}

const MAX_INVALID_KEPT = 1000;

/**
 * Replay without I/O: feed lines in arrival order, then finish. Memory holds the full state of
 * instances still inside their retention, and a small summary of the rest.
 */
export class Replayer {
  private observed = Number.NEGATIVE_INFINITY;
  private readonly live = new Map<string, Live>();
  private readonly ended = new Map<string, InstanceSummary>();
  // Instances that ended, oldest first: dropped from `live` once their retention has passed.
  private readonly endedQueue: { key: string; end: number }[] = [];
  private endedHead = 0;
  private readonly due = new MinHeap<Due>(
    (a, b) =>
      a.wake < b.wake ||
      (a.wake === b.wake &&
        (a.workflow < b.workflow || (a.workflow === b.workflow && a.correlationId < b.correlationId))),
  );
  private readonly alerts: Alert[] = [];
  private readonly invalidLines: InvalidLine[] = [];
  private readonly stats = {
    lines: 0,
    events: 0,
    duplicates: 0,
    invalid: 0,
    ignored: 0,
    invalidByReason: {} as Partial<Record<InvalidReason, number>>,
  };

  constructor(private readonly config: WorkflowConfig) {}

  /** One NDJSON line; blank lines are skipped. */
  push(line: string): void {
    if (line.trim() === '') return;
    const lineNumber = ++this.stats.lines;
    const parsed = parseEvent(line, this.config);
    if (!parsed.ok) {
      this.stats.invalid++;
      this.stats.invalidByReason[parsed.reason] = (this.stats.invalidByReason[parsed.reason] ?? 0) + 1;
      if (this.invalidLines.length < MAX_INVALID_KEPT) {
        this.invalidLines.push({ line: lineNumber, reason: parsed.reason, message: parsed.message });
      }
      return;
    }
    const event = parsed.event;
    const key = `${event.workflow}\u0000${event.correlationId}`;
    const entry = this.live.get(key);
    if (isDuplicate(entry?.instance, event.eventId)) {
      this.stats.duplicates++;
      return;
    }
    this.moveTo(Math.max(this.observed, event.time));
    const model = this.config.workflows.get(event.workflow) as WorkflowModel;
    const endedBefore = entry?.instance.end;
    const result = applyEvent(entry?.instance, event, model, this.observed);
    this.stats.events++;
    if (result.effect === 'ignored') this.stats.ignored++;
    this.alerts.push(...result.alerts);
    if (entry === undefined) this.ended.delete(key); // a new instance after an earlier one expired
    this.track(key, entry ?? { instance: result.instance, model, wake: undefined }, endedBefore);
  }

  /** Ends the replay: `at` moves observed time there; `drain` past every pending deadline. */
  finish(options: { at?: number; drain?: boolean } = {}): ReplayResult {
    if (options.at !== undefined) this.moveTo(Math.max(this.observed, options.at));
    if (options.drain) {
      for (let next = this.nextDue(); next !== undefined; next = this.nextDue()) this.moveTo(next.wake);
    }
    const instances: InstanceSummary[] = [...this.ended.values()];
    for (const { instance, model } of this.live.values()) instances.push(summarize(instance, model));
    instances.sort((a, b) =>
      a.workflow === b.workflow ? compare(a.correlationId, b.correlationId) : compare(a.workflow, b.workflow),
    );
    return {
      alerts: this.alerts,
      instances,
      invalidLines: this.invalidLines,
      stats: {
        ...this.stats,
        instances: instances.length,
        alerts: this.alerts.length,
        observedTime: Number.isFinite(this.observed) ? new Date(this.observed).toISOString() : null,
      },
    };
  }

  /** Advances observed time, processing every deadline final by then in global deadline order. */
  private moveTo(time: number): void {
    this.observed = Math.max(this.observed, time);
    for (let next = this.nextDue(); next !== undefined && next.wake <= this.observed; next = this.nextDue()) {
      this.due.pop();
      const entry = this.live.get(next.key) as Live;
      const endedBefore = entry.instance.end;
      const { alerts } = advance(entry.instance, entry.model, this.observed, { once: true });
      this.alerts.push(...alerts);
      entry.wake = undefined;
      this.track(next.key, entry, endedBefore);
    }
    this.expire();
  }

  /** The earliest queued wake-up that is still current. */
  private nextDue(): Due | undefined {
    for (let top = this.due.peek(); top !== undefined; top = this.due.peek()) {
      if (this.live.get(top.key)?.wake === top.wake) return top;
      this.due.pop();
    }
    return undefined;
  }

  /** Queues the instance's next wake-up, and its expiry when it has (again) ended. */
  private track(key: string, entry: Live, endedBefore: number | undefined): void {
    this.live.set(key, entry);
    const wake = nextWake(entry.instance, entry.model);
    if (wake !== entry.wake && wake !== undefined) {
      this.due.push({ wake, key, workflow: entry.model.name, correlationId: entry.instance.id });
    }
    entry.wake = wake;
    const end = entry.instance.end;
    if (end !== undefined && end !== endedBefore) this.endedQueue.push({ key, end });
  }

  /** Ended instances past their retention keep only their summary, as the table's TTL would. */
  private expire(): void {
    while (this.endedHead < this.endedQueue.length) {
      const { key, end } = this.endedQueue[this.endedHead] as { key: string; end: number };
      const entry = this.live.get(key);
      if (entry !== undefined && entry.instance.end === end && end + entry.model.retentionMs > this.observed)
        break;
      this.endedHead++;
      if (entry === undefined || entry.instance.end !== end) continue; // expired already, or ended again later
      this.live.delete(key);
      this.ended.set(key, summarize(entry.instance, entry.model));
    }
    if (this.endedHead > 4096 && this.endedHead * 2 > this.endedQueue.length) {
      this.endedQueue.splice(0, this.endedHead);
      this.endedHead = 0;
    }
  }
}

function summarize(instance: Instance, model: WorkflowModel): InstanceSummary {
  return {
    workflow: instance.wf,
    correlationId: instance.id,
    status: instance.st,
    late: instance.late === true,
    missing: missingSteps(instance, model),
  };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
