import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, KinesisStreamEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import type { Emitter, StepEvent } from '../src/emitter.js';
import {
  EmitError,
  flushTelemetry,
  fromSqsRecord,
  trackBatch,
  trackRecord,
  trackStep,
  xrayTraceId,
} from '../src/index.js';

let requests = 0;
/** A Lambda context, as the runtime passes it. */
const context = (functionName = 'payments'): Context =>
  ({
    functionName,
    awsRequestId: `req-${++requests}`,
    getRemainingTimeInMillis: () => 60_000,
  }) as Context;

/** An emitter that keeps what it is given; `fail` makes every flush report its events as refused. */
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
    body: JSON.stringify({ n: i }),
    messageAttributes: { correlationId: { stringValue: id, dataType: 'String' } },
  })) as never,
});

const summary = (events: StepEvent[]) => events.map((e) => `${e.correlationId} ${e.status}`);

describe('trackStep: one step per invocation', () => {
  it('reports success with duration, cold start (first invocation only) and the X-Ray trace ID, sent before returning', async () => {
    vi.stubEnv(
      '_X_AMZN_TRACE_ID',
      'Root=1-6745a1b2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1',
    );
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
    expect(await handler({}, context())).toBe('ok');
    expect(flushes()).toBe(1);
    await handler({}, context());
    expect(emitted).toHaveLength(2);
    expect(emitted[0]).toMatchObject({
      correlationId: 'o-1',
      workflow: 'order',
      step: 'paid',
      status: 'succeeded',
      source: 'payments',
      traceId: '1-6745a1b2-0123456789abcdef01234567',
      attributes: { items: 2 },
    });
    expect(typeof emitted[0]?.durationMs).toBe('number');
    expect(emitted.map((e) => e.coldStart)).toEqual([true, false]);
    vi.unstubAllEnvs();
  });

  it('reports a failure with the error and rethrows it; started first when asked', async () => {
    const { emitter, emitted } = memoryEmitter();
    const handler = middy(async () => {
      throw new TypeError('card declined');
    }).use(trackStep<unknown>({ step: 'paid', correlationId: () => 'o-2', emitter, started: true }));
    await expect(handler({}, context())).rejects.toThrow('card declined');
    expect(emitted.map((e) => e.status)).toEqual(['started', 'failed']);
    expect(emitted[1]?.error).toEqual({ name: 'TypeError', message: 'card declined' });
  });

  it('keeps each invocation apart when invocations overlap', async () => {
    const { emitter, emitted } = memoryEmitter();
    const handler = middy(async (event: { id: string; wait: number }) => {
      await new Promise((resolve) => setTimeout(resolve, event.wait));
      return event.id;
    }).use(trackStep<{ id: string; wait: number }>({ step: 'paid', correlationId: (e) => e.id, emitter }));
    // A starts first and finishes last: with state in a closure, B's ID would be reported twice.
    await Promise.all([handler({ id: 'A', wait: 30 }, context()), handler({ id: 'B', wait: 5 }, context())]);
    expect(emitted.map((e) => e.correlationId).sort()).toEqual(['A', 'B']);
    expect(new Set(emitted.map((e) => e.eventId)).size).toBe(2);
  });

  it('reads the correlation ID with a Powertools-style JMESPath expression', async () => {
    const { emitter, emitted } = memoryEmitter();
    const handler = middy(async () => ({ statusCode: 200 })).use(
      trackStep({ step: 'order.placed', correlationIdPath: 'headers."x-correlation-id"', emitter }),
    );
    await handler({ headers: { 'x-correlation-id': 'o-77' } }, context());
    await handler({ headers: {} }, context()); // none: nothing to report
    expect(summary(emitted)).toEqual(['o-77 succeeded']);
  });

  it('gives a retried invocation the same event IDs, so the monitor counts it once', async () => {
    const { emitter, emitted } = memoryEmitter();
    const handler = middy(async () => {}).use(
      trackStep({ step: 'paid', correlationId: () => 'o-3', emitter }),
    );
    const ctx = context();
    await handler({}, ctx);
    await handler({}, ctx); // Lambda's async retry keeps the request ID
    expect(emitted[0]?.eventId).toBe(emitted[1]?.eventId);
  });

  it('logs a send failure through the logger it is given, or fails the invocation when asked', async () => {
    const lines: unknown[][] = [];
    const logger = { error: (...args: unknown[]) => lines.push(args) };
    const { emitter } = memoryEmitter(true);
    const logging = middy(async () => 'done').use(
      trackStep({ step: 'paid', correlationId: () => 'o-4', emitter, logger }),
    );
    expect(await logging({}, context())).toBe('done');
    expect(lines).toEqual([
      ['1 telemetry event could not be sent: Throttled', { step: 'paid', correlationIds: ['o-4'] }],
    ]);
    const throwing = middy(async () => 'done').use(
      trackStep({ step: 'paid', correlationId: () => 'o-4', emitter, onSendFailure: 'throw' }),
    );
    await expect(throwing({}, context())).rejects.toBeInstanceOf(EmitError);
  });

  it('reads the X-Ray trace ID from the Lambda environment format', () => {
    expect(xrayTraceId('Root=1-abc-def;Parent=1;Sampled=0')).toBe('1-abc-def');
    expect(xrayTraceId('Parent=1')).toBeUndefined();
    expect(xrayTraceId(undefined)).toBeUndefined();
  });
});

describe('trackBatch: one event per record of an SQS, Kinesis or DynamoDB-stream batch', () => {
  it('reports every record, so that three records of one order count three', async () => {
    const { emitter, emitted } = memoryEmitter();
    const handler = middy(async (_: SQSEvent) => {}).use(
      trackBatch<SQSRecord>({
        step: 'thumbnails.generated',
        correlationId: (r) => fromSqsRecord(r),
        emitter,
      }),
    );
    await handler(sqs('img-1', 'img-1', 'img-1'), context());
    expect(summary(emitted)).toEqual(['img-1 succeeded', 'img-1 succeeded', 'img-1 succeeded']);
    expect(new Set(emitted.map((e) => e.eventId)).size).toBe(3);
  });

  it('reports records in batchItemFailures as failed and the others as succeeded', async () => {
    const { emitter, emitted } = memoryEmitter();
    const handler = middy(async (_: SQSEvent) => ({ batchItemFailures: [{ itemIdentifier: 'm-1' }] })).use(
      trackBatch<SQSRecord>({
        step: 'paid',
        correlationIdPath: 'messageAttributes.correlationId.stringValue',
        emitter,
      }),
    );
    await handler(sqs('o-1', 'o-1', 'o-2'), context());
    expect(summary(emitted)).toEqual(['o-1 succeeded', 'o-1 failed', 'o-2 succeeded']);
    expect(emitted[1]?.error).toMatchObject({ name: 'BatchItemFailure' });
  });

  it('reports every record failed when the handler throws, and rethrows', async () => {
    const { emitter, emitted } = memoryEmitter();
    const handler = middy(async (_: SQSEvent) => {
      throw new Error('downstream unavailable');
    }).use(trackBatch<SQSRecord>({ step: 'paid', correlationId: (r) => fromSqsRecord(r), emitter }));
    await expect(handler(sqs('o-1', 'o-2'), context())).rejects.toThrow('downstream unavailable');
    expect(summary(emitted)).toEqual(['o-1 failed', 'o-2 failed']);
  });

  it('knows Kinesis records by their sequence number', async () => {
    const { emitter, emitted } = memoryEmitter();
    const event = {
      Records: ['100', '101'].map((seq) => ({
        eventID: `shardId-0:${seq}`,
        kinesis: { sequenceNumber: seq, partitionKey: `o-${seq}`, data: '' },
      })),
    } as unknown as KinesisStreamEvent;
    const handler = middy(async (_: KinesisStreamEvent) => ({
      batchItemFailures: [{ itemIdentifier: '101' }],
    })).use(trackBatch({ step: 'indexed', correlationIdPath: 'kinesis.partitionKey', emitter }));
    await handler(event, context());
    expect(summary(emitted)).toEqual(['o-100 succeeded', 'o-101 failed']);
  });

  it('knows DynamoDB-stream records by their stream sequence number', async () => {
    const { emitter, emitted } = memoryEmitter();
    const event = {
      Records: ['7', '8', '9'].map((seq) => ({
        eventID: `e-${seq}`,
        dynamodb: { SequenceNumber: seq, Keys: { orderId: { S: 'o-9' } } },
      })),
    };
    const handler = middy(async (_: typeof event) => ({ batchItemFailures: [{ itemIdentifier: '9' }] })).use(
      trackBatch({ step: 'order.saved', correlationIdPath: 'dynamodb.Keys.orderId.S', emitter }),
    );
    await handler(event, context());
    expect(summary(emitted)).toEqual(['o-9 succeeded', 'o-9 succeeded', 'o-9 failed']);
    expect(new Set(emitted.map((e) => e.eventId)).size).toBe(3);
  });
});

describe('trackRecord: Powertools batch record handlers report their own step', () => {
  it('succeeded or failed per record, with the record’s own error, through processPartialResponse', async () => {
    const { emitter, emitted } = memoryEmitter();
    const processor = new BatchProcessor(EventType.SQS);
    const recordHandler = trackRecord(
      async (record: SQSRecord) => {
        if (JSON.parse(record.body).n === 1) throw new RangeError('amount too large');
        return 'ok';
      },
      { step: 'paid', correlationId: (r) => fromSqsRecord(r), emitter },
    );
    const handler = middy(async (event: SQSEvent, ctx: Context) =>
      processPartialResponse(event, recordHandler, processor, { context: ctx }),
    ).use(flushTelemetry({ emitter }));
    const response = await handler(sqs('o-1', 'o-2', 'o-3'), context());
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(summary(emitted)).toEqual(['o-1 succeeded', 'o-2 failed', 'o-3 succeeded']);
    expect(emitted[1]?.error).toEqual({ name: 'RangeError', message: 'amount too large' });
    expect(emitter.pending).toBe(0); // flushed when the invocation ended
  });
});
