import middy from '@middy/core';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { lambdaContext } from '../../src/local/lambda-context.js';
import type { Emitter, StepEvent } from '../../src/producer/emitter.js';
import { EmitError, fromSqsRecord, trackStep, xrayTraceId } from '../../src/producer/index.js';

/** An emitter that keeps what it is given. */
function memoryEmitter(fail = false) {
  const emitted: StepEvent[] = [];
  let buffered: StepEvent[] = [];
  let flushes = 0;
  const emitter: Emitter = {
    emit: (e) => {
      buffered.push(e);
    },
    flush: async () => {
      flushes++;
      const sent = buffered;
      buffered = [];
      emitted.push(...sent);
      return fail
        ? {
            sent: 0,
            failed: sent.map((e) => ({ event: e as unknown as Record<string, unknown>, error: 'Throttled' })),
          }
        : { sent: sent.length, failed: [] };
    },
    get pending() {
      return buffered.length;
    },
  };
  return { emitter, emitted, flushes: () => flushes };
}

const sqs = (...ids: string[]): SQSEvent => ({
  Records: ids.map((id, i) => ({
    messageId: `m-${i}`,
    body: '{}',
    messageAttributes: { correlationId: { stringValue: id, dataType: 'String' } },
  })) as never,
});

describe('trackStep', () => {
  it('reports success with duration, cold start (first invocation only) and the X-Ray trace ID, sent before returning', async () => {
    process.env._X_AMZN_TRACE_ID =
      'Root=1-6745a1b2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1';
    const { emitter, emitted, flushes } = memoryEmitter();
    const handler = middy(async () => 'ok').use(
      trackStep<unknown>({
        workflow: 'order',
        step: 'paid',
        correlationId: () => 'o-1',
        emitter,
        attributes: () => ({ items: 2 }),
      }),
    );
    expect(await handler({}, lambdaContext('payments'))).toBe('ok');
    expect(flushes()).toBe(1);
    await handler({}, lambdaContext('payments'));
    expect(emitted).toHaveLength(2);
    expect(emitted[0]).toMatchObject({
      correlationId: 'o-1',
      workflow: 'order',
      step: 'paid',
      status: 'succeeded',
      source: 'payments',
      traceId: '1-6745a1b2-0123456789abcdef01234567',
      coldStart: true,
      attributes: { items: 2 },
    });
    expect(emitted[0]?.durationMs).toBeGreaterThanOrEqual(0);
    expect(emitted[1]?.coldStart).toBe(false);
    delete process.env._X_AMZN_TRACE_ID;
  });

  it('reports a failure with the error name and message, then rethrows it', async () => {
    const { emitter, emitted } = memoryEmitter();
    const handler = middy(async () => {
      throw new TypeError('amount is not a number');
    }).use(trackStep<unknown>({ step: 'paid', correlationId: () => 'o-2', emitter, started: true }));
    await expect(handler({}, lambdaContext('payments'))).rejects.toThrow('amount is not a number');
    expect(emitted.map((e) => e.status)).toEqual(['started', 'failed']);
    expect(emitted[1]?.error).toEqual({ name: 'TypeError', message: 'amount is not a number' });
  });

  it('reports one event per correlation ID of a batch', async () => {
    const { emitter, emitted } = memoryEmitter();
    const handler = middy(async (_event: SQSEvent) => {}).use(
      trackStep<SQSEvent>({
        step: 'picked',
        correlationId: (e) => e.Records.map((r) => fromSqsRecord(r) ?? r.messageId),
        emitter,
      }),
    );
    await handler(sqs('o-1', 'o-2', 'o-1'), lambdaContext('warehouse'));
    expect(emitted.map((e) => e.correlationId)).toEqual(['o-1', 'o-2']);
  });

  it('reports records of a partial batch failure as failed, and the rest as succeeded', async () => {
    const { emitter, emitted } = memoryEmitter();
    const handler = middy(async (event: SQSEvent) => ({
      batchItemFailures: [{ itemIdentifier: event.Records[1]?.messageId as string }],
    })).use(
      trackStep<SQSEvent>({
        step: 'picked',
        correlationId: (e) => e.Records.map((r) => fromSqsRecord(r) ?? r.messageId),
        emitter,
      }),
    );
    await handler(sqs('o-1', 'o-2', 'o-3'), lambdaContext('warehouse'));
    expect(emitted.map((e) => `${e.correlationId} ${e.status}`)).toEqual([
      'o-1 succeeded',
      'o-3 succeeded',
      'o-2 failed',
    ]);
    expect(emitted[2]?.error).toEqual({
      name: 'BatchItemFailure',
      message: 'the handler reported this record as failed',
    });
  });

  it('fails the invocation when asked to, rather than lose telemetry silently', async () => {
    const { emitter, emitted } = memoryEmitter(true);
    const handler = middy(async () => 'ok').use(
      trackStep<unknown>({ step: 'paid', correlationId: () => 'o-3', emitter, onSendFailure: 'throw' }),
    );
    await expect(handler({}, lambdaContext('payments'))).rejects.toBeInstanceOf(EmitError);
    expect(emitted.map((e) => e.status)).toEqual(['succeeded']); // no `failed` for a step that succeeded
  });

  it('reads the trace ID from the Root part of the header only', () => {
    expect(xrayTraceId('Parent=1;Root=1-a-b;Sampled=0')).toBe('1-a-b');
    expect(xrayTraceId(undefined)).toBeUndefined();
    expect(xrayTraceId('Parent=1')).toBeUndefined();
  });
});
