import type { TelemetryEvent } from '../events/telemetry.js';
import type { WorkflowModel } from '../workflow/model.js';
import type { TimelineEntry } from './alert.js';
import { iso } from './alert.js';
import type { Instance, StatusCode, TimelineRow } from './instance.js';

/** The instance's timeline: compact rows as stored, entries as people and alerts read them. */

const STATUS_CODE: Record<TelemetryEvent['status'], StatusCode> = {
  succeeded: 0,
  failed: 1,
  started: 2,
};

const STATUS_NAME = ['succeeded', 'failed', 'started'] as const;

export function timelineRow(event: TelemetryEvent, step: string): TimelineRow {
  const { source, traceId, durationMs, coldStart, error } = event;
  const status = STATUS_CODE[event.status];
  // Trailing absent fields are left off: most events carry a source and a trace ID, and no more.
  if (error !== undefined) {
    return [
      step,
      status,
      event.time,
      source ?? null,
      traceId ?? null,
      durationMs ?? null,
      coldStart ?? null,
      error,
    ];
  }
  if (coldStart !== undefined) {
    return [step, status, event.time, source ?? null, traceId ?? null, durationMs ?? null, coldStart];
  }
  if (durationMs !== undefined)
    return [step, status, event.time, source ?? null, traceId ?? null, durationMs];
  if (traceId !== undefined) return [step, status, event.time, source ?? null, traceId];
  if (source !== undefined) return [step, status, event.time, source];
  return [step, status, event.time];
}

/** The recorded events by event time (arrival order among equal times), for people. */
export function timelineOf(instance: Instance, workflow: WorkflowModel): TimelineEntry[] {
  return instance.tl
    .map((row, arrival) => ({ row, arrival }))
    .sort((a, b) => a.row[2] - b.row[2] || a.arrival - b.arrival)
    .map(({ row: [step, status, time, source, traceId, durationMs, coldStart, error] }) => {
      const entry: TimelineEntry = { step, status: STATUS_NAME[status], time: iso(time) };
      if (source != null) entry.source = source;
      if (traceId != null) entry.traceId = traceId;
      if (durationMs != null) entry.durationMs = durationMs;
      if (coldStart != null) entry.coldStart = coldStart;
      if (error != null) entry.error = error;
      if (!workflow.stepIndex.has(step)) entry.unknown = true;
      return entry;
    });
}
