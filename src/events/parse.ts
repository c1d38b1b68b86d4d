import { z } from 'zod';
import {
  isRecord,
  type NativeEvent,
  nativeEventProblem,
  parseTime,
} from '../../packages/producer/src/contract.js';
import type { WorkflowConfig } from '../workflow/model.js';
import { didYouMean } from '../workflow/suggest.js';
import {
  type InvalidReason,
  MAX_EVENT_BYTES,
  MAX_ID_LENGTH,
  MAX_TEXT_LENGTH,
  type ParseResult,
  type TelemetryEvent,
  type TimeLimit,
} from './telemetry.js';

export { parseTime };

const id = z.string().min(1).max(MAX_ID_LENGTH);
// A numeric correlation ID is its decimal string (contract §1): producers often key by a numeric order ID.
const correlationId = z.preprocess(
  (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : v),
  id,
);
// Fields that look like overdue's in a producer's own data (EventBridge detail, CloudEvents
// extensions): overdue's only when they hold overdue's values, otherwise the producer's attributes.
const maybe = z.unknown().optional();
const name = z.string().min(1).max(MAX_ID_LENGTH);
const text = z.string().max(MAX_TEXT_LENGTH);
// Checked by parseTime, so that a missing or bad time gets its own reason code.
const time = z.unknown().optional();
const error = z.union([
  z.string(),
  z.looseObject({ name: z.string().optional(), message: z.string().optional() }),
]);

const cloudEvent = z.looseObject({
  specversion: z.literal('1.0'),
  id,
  type: name,
  source: text,
  time,
  subject: id.optional(),
  correlationid: correlationId.optional(),
  workflow: maybe,
  status: maybe,
  traceparent: text.optional(),
  data: z.unknown().optional(),
});

const eventBridge = z.looseObject({
  id,
  'detail-type': name,
  source: text,
  time,
  detail: z.looseObject({
    correlationId,
    workflow: maybe,
    status: maybe,
    traceId: text.optional(),
    error: error.optional(),
    durationMs: z.number().nonnegative().optional(),
    coldStart: z.boolean().optional(),
  }),
});

/** An event being read: mutable, and its workflow and time not yet checked. */
type Draft = { -readonly [K in keyof Omit<TelemetryEvent, 'workflow' | 'time'>]: TelemetryEvent[K] } & {
  workflow: string | undefined;
  /** The workflow came from a producer's own field: use it only when it names a workflow of the file. */
  soft?: true;
  time: unknown;
};

const STATUSES: ReadonlySet<unknown> = new Set(['succeeded', 'failed', 'started']);
const ownStatus = (v: unknown): TelemetryEvent['status'] | undefined =>
  STATUSES.has(v) ? (v as TelemetryEvent['status']) : undefined;
const softName = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length > 0 && v.length <= MAX_ID_LENGTH ? v : undefined;

/** CloudEvents `data` as attributes: an object, or a JSON string holding one. */
function dataAttributes(data: unknown): Record<string, unknown> | undefined {
  if (isRecord(data)) return data;
  if (typeof data !== 'string' || !data.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(data);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CloudEvents and EventBridge events are identified by source + id (contract §1): equal ids from
 * different sources are different events. The NUL cannot occur in either (JSON text fields).
 */
const identity = (source: string, eventId: string): string => `${source}\u0000${eventId}`;

type Invalid = Extract<ParseResult, { ok: false }>;

const invalid = (reason: InvalidReason, message: string): Invalid => ({ ok: false, reason, message });

function describe(issues: readonly z.core.$ZodIssue[], shape: string): string {
  const first = issues[0];
  if (first === undefined) return `not a valid ${shape} event`;
  const field = first.path.join('.');
  if (first.code === 'invalid_type' && first.message.endsWith('received undefined')) {
    return `not a valid ${shape} event: ${field} is missing`;
  }
  const message = first.code === 'invalid_type' ? `expected ${first.expected}` : first.message;
  return `not a valid ${shape} event: ${field === '' ? '' : `${field}: `}${message}`;
}

/**
 * Reads one record in any accepted shape. Never throws: bad input is a value with a reason,
 * so that a caller can quarantine it and go on. `limit` bounds the event time from above (design
 * §1: arrival + allowed skew); without it only the range a date can hold applies.
 */
export function parseEvent(
  input: string | Uint8Array,
  config: WorkflowConfig,
  limit?: TimeLimit,
): ParseResult {
  // UTF-8 takes at most 3 bytes per UTF-16 unit: short strings need no byte count.
  const bytes =
    typeof input !== 'string'
      ? input.byteLength
      : input.length * 3 <= MAX_EVENT_BYTES
        ? 0
        : Buffer.byteLength(input, 'utf8');
  if (bytes > MAX_EVENT_BYTES) {
    return invalid('too_large', `record is ${bytes} bytes; the limit is ${MAX_EVENT_BYTES} (1 MiB)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'));
  } catch (cause) {
    return invalid('not_json', `not JSON: ${(cause as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return invalid('bad_shape', 'expected a JSON object');
  }
  const draft = readEnvelope(json as Record<string, unknown>);
  if ('reason' in draft) return draft;
  return resolve(draft, config, limit);
}

/**
 * An event read without a workflow file (`overdue discover`): every accepted shape, its workflow
 * only when the event names one. Undefined for a line that is not an event at all.
 */
export function readUnconfigured(
  input: string,
): (Omit<TelemetryEvent, 'workflow'> & { workflow: string | undefined }) | undefined {
  let json: unknown;
  try {
    json = JSON.parse(input);
  } catch {
    return undefined;
  }
  if (!isRecord(json)) return undefined;
  const draft = readEnvelope(json);
  if ('reason' in draft) return undefined;
  const time = parseTime(draft.time);
  if (typeof time === 'string') return undefined;
  const { soft: _soft, ...rest } = draft;
  return { ...rest, time };
}

function readEnvelope(json: Record<string, unknown>): Draft | Invalid {
  // Built by assignment rather than spreads: this runs once per record on the hot path.
  if ('specversion' in json) {
    const r = cloudEvent.safeParse(json);
    if (!r.success) return invalid('bad_shape', describe(r.error.issues, 'CloudEvents'));
    const e = r.data;
    const correlationId = e.correlationid ?? e.subject;
    if (correlationId === undefined) {
      return invalid('bad_shape', 'CloudEvents event has no correlationid extension and no subject');
    }
    const draft = start(
      identity(e.source, e.id),
      correlationId,
      softName(e.workflow),
      e.type,
      ownStatus(e.status),
      e.time,
    );
    draft.soft = true;
    draft.source = e.source;
    if (e.traceparent !== undefined) draft.traceId = e.traceparent;
    const data = dataAttributes(e.data);
    if (data !== undefined) draft.attributes = data;
    return draft;
  }
  if ('detail-type' in json) {
    const r = eventBridge.safeParse(json);
    if (!r.success) return invalid('bad_shape', describe(r.error.issues, 'EventBridge'));
    const e = r.data;
    const d = e.detail;
    const draft = start(
      identity(e.source, e.id),
      d.correlationId,
      softName(d.workflow),
      e['detail-type'],
      ownStatus(d.status),
      e.time,
    );
    draft.soft = true;
    draft.source = e.source;
    draft.attributes = d;
    return producerFields(draft, d);
  }
  const problem = nativeEventProblem(json);
  if (problem !== undefined) return invalid('bad_shape', problem);
  const e = json as unknown as NativeEvent;
  const correlationId = typeof e.correlationId === 'number' ? String(e.correlationId) : e.correlationId;
  const draft = start(e.eventId, correlationId, e.workflow, e.step, e.status, e.time);
  if (e.source !== undefined) draft.source = e.source;
  if (e.attributes !== undefined) draft.attributes = e.attributes;
  return producerFields(draft, e);
}

function start(
  eventId: string,
  correlationId: string,
  workflow: string | undefined,
  step: string,
  status: TelemetryEvent['status'] | undefined,
  time: unknown,
): Draft {
  return { eventId, correlationId, workflow, step, status: status ?? 'succeeded', time };
}

/** The producer-side fields shared by the native shape and EventBridge `detail`. */
function producerFields(
  draft: Draft,
  e: {
    traceId?: string | undefined;
    error?: string | { name?: string | undefined; message?: string | undefined } | undefined;
    durationMs?: number | undefined;
    coldStart?: boolean | undefined;
  },
): Draft {
  if (e.traceId !== undefined) draft.traceId = e.traceId;
  if (e.error !== undefined) draft.error = errorText(e.error);
  if (e.durationMs !== undefined) draft.durationMs = e.durationMs;
  if (e.coldStart !== undefined) draft.coldStart = e.coldStart;
  return draft;
}

function errorText(error: string | { name?: string | undefined; message?: string | undefined }): string {
  const text =
    typeof error === 'string' ? error : [error.name, error.message].filter((p) => p !== undefined).join(': ');
  return text.length > 500 ? `${text.slice(0, 499)}…` : text;
}

function resolve(draft: Draft, config: WorkflowConfig, limit: TimeLimit | undefined): ParseResult {
  const time = parseTime(draft.time, limit);
  if (typeof time === 'string') return invalid('bad_time', time);
  let workflow = draft.workflow;
  if (draft.soft === true) {
    delete draft.soft;
    if (workflow !== undefined && !config.workflows.has(workflow)) workflow = undefined;
  }
  if (workflow === undefined) {
    const owners = config.stepOwners.get(draft.step);
    if (owners === undefined) {
      const hint = didYouMean(draft.step, config.stepOwners.keys());
      return invalid(
        'unknown_step',
        `no workflow has step ${JSON.stringify(draft.step)} and the event names none.${hint}`,
      );
    }
    if (owners.length > 1) {
      return invalid(
        'ambiguous_step',
        `step ${JSON.stringify(draft.step)} belongs to ${owners.join(', ')}; the event must name its workflow`,
      );
    }
    workflow = owners[0] as string;
  } else if (!config.workflows.has(workflow)) {
    const hint = didYouMean(workflow, config.workflows.keys());
    return invalid('unknown_workflow', `unknown workflow ${JSON.stringify(workflow)}.${hint}`);
  }
  const event = draft as Draft & { workflow: string; time: number };
  event.workflow = workflow;
  event.time = time;
  return { ok: true, event };
}
