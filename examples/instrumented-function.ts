// A payment service's Lambda, instrumented for overdue: one middleware reports the step
// `payment.authorized` for every order in the batch (succeeded with its duration and cold start, or
// failed with the error), and the correlation ID travels on to the next service.
//
// Deploy it with the AWS SDK's usual environment; locally, `overdue dev` prints the variables that
// point it at the emulated stream (AWS_ENDPOINT_URL_KINESIS and friends).
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { createEmitter, fromSqsRecord, toMessageAttributes, trackBatch } from 'overdue-producer';

interface Order {
  orderId: string;
  amount: number;
  items: number;
}

const emitter = createEmitter({ streamName: process.env.TELEMETRY_STREAM ?? 'overdue-local' });
const sns = new SNSClient({});
const NEXT_TOPIC = process.env.NEXT_TOPIC_ARN; // the warehouse's topic; unset: this is the last hop

/** The correlation ID came with the message; orders from older producers fall back to their ID. */
const correlationOf = (record: SQSRecord): string =>
  fromSqsRecord(record) ?? (JSON.parse(record.body) as Order).orderId;

export class CardDeclinedError extends Error {
  override readonly name = 'CardDeclinedError';
}

async function authorize(order: Order): Promise<void> {
  // Stands in for the payment provider's API.
  if (order.amount > 1000) throw new CardDeclinedError(`card declined for ${order.amount}`);
}

async function paymentHandler(event: SQSEvent): Promise<void> {
  for (const record of event.Records) {
    const order = JSON.parse(record.body) as Order;
    await authorize(order);
    if (NEXT_TOPIC) {
      await sns.send(
        new PublishCommand({
          TopicArn: NEXT_TOPIC,
          Message: JSON.stringify(order),
          MessageAttributes: toMessageAttributes(correlationOf(record)),
        }),
      );
    }
  }
}

export const handler = middy(paymentHandler).use(
  trackBatch<SQSRecord>({
    workflow: 'order-fulfilment',
    step: 'payment.authorized',
    // One event per record of the batch, by the record's own outcome.
    correlationId: correlationOf,
    emitter,
  }),
);
