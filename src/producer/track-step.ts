import type { MiddlewareObj, Request } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Emitter, StepEvent } from './emitter.js';
import { EmitError } from './errors.js';

export interface TrackStepOptions<TEvent, TResult> {
  /** The workflow the step belongs to; may be left out when the step's name is unique to one. */
  workflow?: string;
  step: string;
  /** Where this invocation's correlation ID is; a batch handler returns one per record. */
  correlationId: (event: TEvent, context: Context) => string | readonly string[] | undefined;
  /** Attributes for the events, such as an item count that a counted step reads. */
  attributes?: (event: TEvent, context: Context, response?: TResult) => Record<string, unknown> | undefined;
  emitter: Emitter;
  /** Also emit a `started` event before the handler runs. */
  started?: boolean;
  /** When telemetry cannot be sent after retries: log it loudly (default), or fail the invocation. */
  onSendFailure?: 'log' | 'throw';
}

// One Lambda container, one cold start: the first invocation through this module.
let coldStart = true;

/** The X-Ray trace ID Lambda puts in the environment: the `Root=` part of _X_AMZN_TRACE_ID. */
export function xrayTraceId(header = process.env._X_AMZN_TRACE_ID): string | undefined {
  return (
    header
      ?.split(';')
      .find((part) => part.startsWith('Root='))
      ?.slice(5) || undefined
  );
}

/**
 * middy middleware that reports a step of a workflow: `succeeded` with its duration and cold start
 * when the handler returns, `failed` with the error's name and message when it throws (and the
 * error is rethrown), optionally `started` first. Events are sent before the invocation returns.
 */
export function trackStep<TEvent = unknown, TResult = unknown>(
  options: TrackStepOptions<TEvent, TResult>,
): MiddlewareObj<TEvent, TResult, Error, Context> {
  let startedAt = 0;
  let cold = false;
  let ids: string[] = [];
  // For batch events: each record's correlation ID, by position, when the function gives one per record.
  let perRecord: readonly string[] | undefined;

  const emitAll = (
    request: Request<TEvent, TResult, Error, Context>,
    fields: Partial<StepEvent>,
    only: readonly string[] = ids,
  ) => {
    const traceId = xrayTraceId();
    for (const correlationId of only) {
      options.emitter.emit({
        correlationId,
        step: options.step,
        ...(options.workflow ? { workflow: options.workflow } : {}),
        source: request.context.functionName,
        ...(traceId ? { traceId } : {}),
        ...fields,
      });
    }
  };
  const flush = async () => {
    const result = await options.emitter.flush();
    if (result.failed.length === 0) return;
    const error = new EmitError(result.failed);
    if (options.onSendFailure === 'throw') throw error;
    console.error(
      JSON.stringify({
        level: 'ERROR',
        message: error.message,
        step: options.step,
        correlationIds: result.failed.map((f) => f.event.correlationId),
      }),
    );
  };

  return {
    before: async (request) => {
      startedAt = performance.now();
      cold = coldStart;
      coldStart = false;
      const found = options.correlationId(request.event, request.context);
      const records = (request.event as { Records?: unknown } | null)?.Records;
      perRecord =
        typeof found !== 'string' && found && Array.isArray(records) && records.length === found.length
          ? found
          : undefined;
      ids = [...new Set(typeof found === 'string' ? [found] : (found ?? []))].filter((id) => id.length > 0);
      if (options.started) {
        const attributes = options.attributes?.(request.event, request.context);
        emitAll(request, { status: 'started', ...(attributes ? { attributes } : {}) });
        await flush();
      }
    },
    after: async (request) => {
      const attributes = options.attributes?.(request.event, request.context, request.response ?? undefined);
      const durationMs = Math.round(performance.now() - startedAt);
      // Records the handler reported as failed (SQS and Kinesis partial batch responses): their
      // instances get `failed`, the others `succeeded`.
      const failed = failedIds(request.event, request.response, perRecord);
      emitAll(
        request,
        { status: 'succeeded', durationMs, coldStart: cold, ...(attributes ? { attributes } : {}) },
        ids.filter((id) => !failed.has(id)),
      );
      const error = { name: 'BatchItemFailure', message: 'the handler reported this record as failed' };
      emitAll(request, { status: 'failed', durationMs, coldStart: cold, error }, [...failed]);
      await flush();
    },
    onError: async (request) => {
      const error = request.error;
      // Our own flush failed after a successful handler: the step did not fail, telemetry did.
      if (error instanceof EmitError) return;
      emitAll(request, {
        status: 'failed',
        durationMs: Math.round(performance.now() - startedAt),
        coldStart: cold,
        ...(error ? { error: { name: error.name, message: error.message } } : {}),
      });
      try {
        await flush();
      } catch (sendError) {
        // The handler's own error is the one to report; telemetry trouble is logged beside it.
        console.error(JSON.stringify({ level: 'ERROR', message: String(sendError), step: options.step }));
      }
      // Not handled here: middy rethrows request.error once the onError chain is done.
    },
  };
}

/** Correlation IDs of the records in `batchItemFailures` (by SQS messageId or Kinesis sequence number). */
function failedIds(event: unknown, response: unknown, perRecord: readonly string[] | undefined): Set<string> {
  const failures = (response as { batchItemFailures?: { itemIdentifier?: string }[] } | null)
    ?.batchItemFailures;
  if (!perRecord || !Array.isArray(failures) || failures.length === 0) return new Set();
  const wanted = new Set(failures.map((f) => f.itemIdentifier));
  const records = (event as { Records: { messageId?: string; kinesis?: { sequenceNumber?: string } }[] })
    .Records;
  const failed = new Set<string>();
  records.forEach((record, i) => {
    const id = record.messageId ?? record.kinesis?.sequenceNumber;
    const correlationId = perRecord[i];
    if (id !== undefined && wanted.has(id) && correlationId) failed.add(correlationId);
  });
  return failed;
}
