import middy from '@middy/core';
import type { APIGatewayProxyEventV2, EventBridgeEvent, SQSEvent } from 'aws-lambda';
import {
  createEmitter,
  fromEventBridge,
  fromHttpEvent,
  toMessageAttributes,
  trackStep,
} from 'overdue-producer';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DevMode, LOCAL_NAME } from '../../src/local/dev.js';
import { lambdaContext } from '../../src/local/lambda-context.js';
import { instancePk } from '../../src/store/keys.js';
import { startTestDev, until } from '../local/test-dev.js';

const WORKFLOWS = `
version: 1
defaults: { grace: 300ms, retention: 1h }
workflows:
  order-fulfilment:
    start: order.placed
    deadline: 10s # far beyond the test: only the step deadlines matter here
    steps:
      payment.authorized: { within: 1s }
      shipment.created: { after: payment.authorized, within: 1s }
    complete: [shipment.created]
`;

let dev: DevMode;
beforeAll(async () => {
  dev = await startTestDev(WORKFLOWS);
  // The example reads its stream and endpoint from the environment, as it would on Lambda.
  for (const [name, value] of Object.entries({
    AWS_ENDPOINT_URL_KINESIS: dev.endpoints.kinesis,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    TELEMETRY_STREAM: LOCAL_NAME,
  }))
    vi.stubEnv(name, value);
});
afterAll(async () => {
  await dev?.stop();
});

describe('instrumented Lambda handlers against the local runtime', () => {
  it('complete a workflow, and a failing handler produces the alert with its error on the timeline', async () => {
    // No client given: the emitter's own, from AWS_ENDPOINT_URL_KINESIS (HTTP/1.1 for a local endpoint).
    const emitter = createEmitter({ streamName: LOCAL_NAME });
    const checkout = middy(async (event: APIGatewayProxyEventV2) => ({
      statusCode: 201,
      body: event.body ?? '',
    })).use(
      trackStep<APIGatewayProxyEventV2>({
        workflow: 'order-fulfilment',
        step: 'order.placed',
        correlationId: (e) => fromHttpEvent(e),
        emitter,
      }),
    );
    const shipping = middy(
      async (_event: EventBridgeEvent<'order.paid', { correlationId: string }>) => {},
    ).use(
      trackStep<EventBridgeEvent<'order.paid', { correlationId: string }>>({
        workflow: 'order-fulfilment',
        step: 'shipment.created',
        correlationId: (e) => fromEventBridge(e),
        emitter,
      }),
    );
    const { handler: payments } = await import('../../examples/instrumented-function.js');

    const order = async (id: string, amount: number) => {
      await checkout({ headers: { 'x-correlation-id': id }, body: '{}' } as never, lambdaContext('checkout'));
      const message: SQSEvent = {
        Records: [
          {
            messageId: `m-${id}`,
            body: JSON.stringify({ orderId: id, amount, items: 1 }),
            messageAttributes: {
              correlationId: {
                stringValue: toMessageAttributes(id).correlationId.StringValue,
                dataType: 'String',
              },
            },
          } as never,
        ],
      };
      await payments(message, lambdaContext('payments'));
      await shipping({ detail: { correlationId: id } } as never, lambdaContext('shipping'));
    };
    await order('o-good', 50);
    await expect(order('o-bad', 5000)).rejects.toThrow('card declined for 5000');

    await until(() => dev.alerts.some((a) => a.correlationId === 'o-bad'), 10_000);
    await until(() => false, 800); // the good order's deadlines pass too, silently
    expect(dev.alerts.map((a) => `${a.correlationId} ${a.kind} ${a.step}`)).toEqual([
      'o-bad step_overdue payment.authorized',
    ]);
    const alert = dev.alerts[0];
    expect(alert?.timeline.map((e) => [e.step, e.status, e.source, e.error])).toEqual([
      ['order.placed', 'succeeded', 'checkout', undefined],
      ['payment.authorized', 'failed', 'payments', 'CardDeclinedError: card declined for 5000'],
    ]);
    const good = (
      await dev.store.getInstances([instancePk('order-fulfilment', 'o-good')], { consistent: true })
    ).get(instancePk('order-fulfilment', 'o-good'));
    expect(good?.instance.st).toBe('completed');
    expect(good?.instance.tl.map((r) => r[0])).toEqual([
      'order.placed',
      'payment.authorized',
      'shipment.created',
    ]);
  }, 30_000);
});
