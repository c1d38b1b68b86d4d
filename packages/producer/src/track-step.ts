import { search } from '@aws-lambda-powertools/jmespath';
import type { MiddlewareObj, Request } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Emitter, StepEvent } from './emitter.js';
import { EmitError } from './errors.js';

/** Anything with an `error` method: Powertools Logger, console, pino. */
export interface TelemetryLogger {
  error(message: string, ...extra: unknown[]): void;
}

/** What every tracking helper shares. */
export interface TrackOptions {
  /** The workflow the step belongs to; may be left out when the step's name is unique to one. */
  workflow?: string;
  step: string;
  emitter: Emitter;
  /** When telemetry cannot be sent after retries: log it (default), or fail the invocation. */
  onSendFailure?: 'log' | 'throw';
  /** Where a send failure is logged; by default one structured JSON line on stderr. */
  logger?: TelemetryLogger;
}

export interface TrackStepOptions<TEvent, TResult> extends TrackOptions {
  /** The invocation's correlation ID, from the event. Give this or `correlationIdPath`. */
  correlationId?: (event: TEvent, context: Context) => string | undefined;
  /** A JMESPath expression into the event, as Powertools uses: `headers."x-correlation-id"`. */
  correlationIdPath?: string;
  /** Attributes for the event, such as an item count that a counted step reads. */
  attributes?: (event: TEvent, context: Context, response?: TResult) => Record<string, unknown> | undefined;
  /** Also emit a `started` event before the handler runs. */
  started?: boolean;
}

/** A record of an SQS, Kinesis or DynamoDB-stream batch, as far as tracking needs it. */
export interface BatchRecord {
  messageId?: string;
  eventID?: string;
  kinesis?: { sequenceNumber?: string };
  dynamodb?: { SequenceNumber?: string };
}

export interface TrackBatchOptions<TRecord> extends TrackOptions {
  /** Each record's correlation ID. Give this or `correlationIdPath` (evaluated on each record). */
  correlationId?: (record: TRecord, index: number) => string | undefined;
  correlationIdPath?: string;
  /** Attributes for a record's event. */
  attributes?: (record: TRecord, index: number) => Record<string, unknown> | undefined;
}

// One Lambda container, one cold start: the first invocation through this module.
let coldStart = true;
const takeColdStart = (): boolean => {
  const cold = coldStart;
  coldStart = false;
  return cold;
};

/** The X-Ray trace ID Lambda puts in the environment: the `Root=` part of _X_AMZN_TRACE_ID. */
export function xrayTraceId(header = process.env._X_AMZN_TRACE_ID): string | undefined {
  return (
    header
      ?.split(';')
      .find((part) => part.startsWith('Root='))
      ?.slice(5) || undefined
  );
}

/** Reads a correlation ID with a function or a JMESPath expression; undefined when neither finds one. */
function reader<A extends unknown[]>(
  fn: ((...args: A) => string | undefined) | undefined,
  path: string | undefined,
): (...args: A) => string | undefined {
  if (fn) return fn;
  if (path === undefined) throw new TypeError('overdue-producer: give correlationId or correlationIdPath');
  return (...args) => {
    const found = search(path, args[0] as never);
    return typeof found === 'string' && found.length > 0
      ? found
      : typeof found === 'number'
        ? String(found)
        : undefined;
  };
}

/**
 * An event ID fixed by what happened, so that a redelivered message or a retried invocation that
 * reports the same outcome again is dropped as a duplicate instead of counted twice.
 */
const stableId = (status: string, origin: string, step: string): string =>
  `${status}:${origin}:${step}`.slice(0, 256);

let serial = 0;

/** Sends what was emitted; a failure is logged (or thrown with `onSendFailure: 'throw'`), never silent. */
async function flushOrReport(options: TrackOptions): Promise<void> {
  const result = await options.emitter.flush();
  if (result.failed.length === 0) return;
  const error = new EmitError(result.failed);
  if (options.onSendFailure === 'throw') throw error;
  report(options, error.message, {
    step: options.step,
    correlationIds: result.failed.map((f) => f.event.correlationId),
  });
}

function report(options: TrackOptions, message: string, fields: Record<string, unknown>): void {
  if (options.logger) options.logger.error(message, fields);
  else console.error(JSON.stringify({ level: 'ERROR', message, ...fields }));
}

const base = (options: TrackOptions, context: Context | undefined) => {
  const traceId = xrayTraceId();
  return {
    step: options.step,
    ...(options.workflow ? { workflow: options.workflow } : {}),
    ...(context?.functionName ? { source: context.functionName } : {}),
    ...(traceId ? { traceId } : {}),
  };
};

interface InvocationState {
  startedAt: number;
  cold: boolean;
  correlationId: string | undefined;
}

/**
 * middy middleware that reports one step per invocation: `succeeded` with its duration and cold
 * start when the handler returns, `failed` with the error's name and message when it throws (the
 * error is rethrown), optionally `started` first. Events are sent before the invocation returns.
 * Per-invocation state lives on `request.internal`, so overlapping invocations never mix.
 * For SQS, Kinesis and DynamoDB-stream batches use `trackBatch`: one event per record.
 */
export function trackStep<TEvent = unknown, TResult = unknown>(
  options: TrackStepOptions<TEvent, TResult>,
): MiddlewareObj<TEvent, TResult, Error, Context> {
  const read = reader(options.correlationId, options.correlationIdPath);
  const key = `overdue-producer:${++serial}`;
  const state = (request: Request<TEvent, TResult, Error, Context>) =>
    (request.internal as Record<string, unknown>)[key] as InvocationState | undefined;
  const emit = (
    request: Request<TEvent, TResult, Error, Context>,
    fields: Partial<StepEvent> & { status: string },
  ) => {
    const s = state(request);
    if (s?.correlationId === undefined) return;
    options.emitter.emit({
      ...base(options, request.context),
      correlationId: s.correlationId,
      eventId: stableId(fields.status, request.context?.awsRequestId || s.correlationId, options.step),
      ...fields,
    } as StepEvent);
  };
  return {
    before: async (request) => {
      const s: InvocationState = {
        startedAt: performance.now(),
        cold: takeColdStart(),
        correlationId: read(request.event, request.context),
      };
      (request.internal as Record<string, unknown>)[key] = s;
      if (options.started) {
        const attributes = options.attributes?.(request.event, request.context);
        emit(request, { status: 'started', ...(attributes ? { attributes } : {}) });
        await flushOrReport(options);
      }
    },
    after: async (request) => {
      const s = state(request);
      if (!s) return;
      const attributes = options.attributes?.(request.event, request.context, request.response ?? undefined);
      emit(request, {
        status: 'succeeded',
        durationMs: Math.round(performance.now() - s.startedAt),
        coldStart: s.cold,
        ...(attributes ? { attributes } : {}),
      });
      await flushOrReport(options);
    },
    onError: async (request) => {
      const s = state(request);
      const error = request.error;
      // Our own flush failed after a successful handler: the step did not fail, telemetry did.
      if (!s || error instanceof EmitError) return;
      emit(request, {
        status: 'failed',
        durationMs: Math.round(performance.now() - s.startedAt),
        coldStart: s.cold,
        ...(error ? { error: { name: error.name, message: error.message } } : {}),
      });
      await flushQuietly(options);
      // Not handled here: middy rethrows request.error once the onError chain is done.
    },
  };
}

/** After a handler error: that error is the one to report; telemetry trouble is logged beside it. */
async function flushQuietly(options: TrackOptions): Promise<void> {
  try {
    await flushOrReport(options);
  } catch (sendError) {
    report(options, String(sendError), { step: options.step });
  }
}

/** The ID a record is known by in `batchItemFailures`, and the one its events derive from. */
export function recordId(record: BatchRecord): string | undefined {
  return (
    record.messageId ?? record.kinesis?.sequenceNumber ?? record.dynamodb?.SequenceNumber ?? record.eventID
  );
}

interface BatchState {
  startedAt: number;
  cold: boolean;
  ids: (string | undefined)[];
}

/**
 * middy middleware for SQS, Kinesis and DynamoDB-stream batch handlers: one event per record, by
 * the record's own outcome. Records the handler reports in `batchItemFailures` (partial batch
 * responses, as Powertools' `processPartialResponse` returns them) are `failed`, the others
 * `succeeded`; when the handler throws, every record is `failed`. So a counted step fed by a batch
 * of N records counts N, and a failure of one record does not hide the successes of the others.
 */
export function trackBatch<TRecord extends BatchRecord = BatchRecord, TResult = unknown>(
  options: TrackBatchOptions<TRecord>,
): MiddlewareObj<{ Records: TRecord[] }, TResult, Error, Context> {
  const read = reader(options.correlationId, options.correlationIdPath);
  const key = `overdue-producer:${++serial}`;
  type Req = Request<{ Records: TRecord[] }, TResult, Error, Context>;
  const emitAll = (
    request: Req,
    outcome: (record: TRecord) => { status: 'succeeded' | 'failed'; error?: StepEvent['error'] },
  ) => {
    const s = (request.internal as Record<string, unknown>)[key] as BatchState | undefined;
    if (!s) return;
    const durationMs = Math.round(performance.now() - s.startedAt);
    const shared = base(options, request.context);
    request.event.Records.forEach((record, i) => {
      const correlationId = s.ids[i];
      if (correlationId === undefined) return;
      const { status, error } = outcome(record);
      const attributes = options.attributes?.(record, i);
      options.emitter.emit({
        ...shared,
        correlationId,
        status,
        eventId: stableId(status, recordId(record) ?? `${request.context?.awsRequestId}#${i}`, options.step),
        durationMs,
        coldStart: s.cold,
        ...(error ? { error } : {}),
        ...(attributes ? { attributes } : {}),
      });
    });
  };
  return {
    before: async (request) => {
      const records = Array.isArray(request.event?.Records) ? request.event.Records : [];
      const state: BatchState = {
        startedAt: performance.now(),
        cold: takeColdStart(),
        ids: records.map((record, i) => read(record, i)),
      };
      (request.internal as Record<string, unknown>)[key] = state;
    },
    after: async (request) => {
      const failures = (request.response as { batchItemFailures?: { itemIdentifier?: string }[] } | null)
        ?.batchItemFailures;
      const failed = new Set(Array.isArray(failures) ? failures.map((f) => f.itemIdentifier) : []);
      emitAll(request, (record) => {
        const id = recordId(record);
        return id !== undefined && failed.has(id)
          ? {
              status: 'failed',
              error: { name: 'BatchItemFailure', message: 'the handler reported this record as failed' },
            }
          : { status: 'succeeded' };
      });
      await flushOrReport(options);
    },
    onError: async (request) => {
      const error = request.error;
      if (error instanceof EmitError) return;
      emitAll(request, () => ({
        status: 'failed',
        ...(error ? { error: { name: error.name, message: error.message } } : {}),
      }));
      await flushQuietly(options);
    },
  };
}

/**
 * Wraps a record handler of Powertools' `BatchProcessor` (`processPartialResponse`) so that each
 * record reports its own step: `succeeded` with its own duration when the handler returns, `failed`
 * with its error when it throws (rethrown, so Powertools marks the record failed). Events are
 * buffered on the emitter: flush it once the batch is done (`flushTelemetry` does that for middy).
 */
export function trackRecord<TRecord extends BatchRecord, TResult>(
  handler: (record: TRecord, ...rest: never[]) => Promise<TResult> | TResult,
  options: TrackOptions & {
    correlationId?: (record: TRecord) => string | undefined;
    correlationIdPath?: string;
    attributes?: (record: TRecord, result?: TResult) => Record<string, unknown> | undefined;
  },
): (record: TRecord, ...rest: never[]) => Promise<TResult> {
  const read = reader(options.correlationId, options.correlationIdPath);
  return async (record, ...rest) => {
    const startedAt = performance.now();
    const cold = takeColdStart();
    const correlationId = read(record);
    const emit = (status: 'succeeded' | 'failed', more: Partial<StepEvent>) => {
      if (correlationId === undefined) return;
      options.emitter.emit({
        ...base(options, undefined),
        correlationId,
        status,
        eventId: stableId(status, recordId(record) ?? `${correlationId}@${Date.now()}`, options.step),
        durationMs: Math.round(performance.now() - startedAt),
        coldStart: cold,
        ...more,
      });
    };
    try {
      const result = await handler(record, ...rest);
      const attributes = options.attributes?.(record, result);
      emit('succeeded', attributes ? { attributes } : {});
      return result;
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      emit('failed', { error: { name: e.name, message: e.message } });
      throw error;
    }
  };
}

/** middy middleware that flushes an emitter when the invocation ends, whatever its outcome. */
export function flushTelemetry(
  options: Pick<TrackOptions, 'emitter' | 'onSendFailure' | 'logger'> & { step?: string },
): MiddlewareObj {
  const opts = { step: options.step ?? '(any)', ...options } as TrackOptions;
  return {
    after: async () => flushOrReport(opts),
    onError: async (request) => {
      if (request.error instanceof EmitError) return;
      await flushQuietly(opts);
    },
  };
}
