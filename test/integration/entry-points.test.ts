import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createStream, createTable, type Emulators, startEmulators } from '../../src/local/emulators.js';
import { KinesisPoller } from '../../src/local/kinesis-poller.js';
import { ev, line, ORDER_YAML } from '../helpers.js';
import { capturePublished, lambdaContext } from './harness.js';

let emu: Emulators;
beforeAll(async () => {
  emu = await startEmulators();
});
afterAll(async () => {
  await emu?.stop();
});

describe('the Lambda entry points in functions/', () => {
  it('run against the emulators configured only through the SDK endpoint variables', async () => {
    await createTable(emu.dynamodb, 'overdue-entry');
    await createStream(emu.kinesis, 'telemetry-entry', 1);
    const dir = mkdtempSync(join(tmpdir(), 'overdue-entry-'));
    writeFileSync(join(dir, 'workflows.yml'), ORDER_YAML);
    for (const [name, value] of Object.entries({
      AWS_ENDPOINT_URL_DYNAMODB: emu.dynamodbEndpoint,
      AWS_ENDPOINT_URL_KINESIS: emu.kinesisEndpoint,
      AWS_REGION: emu.region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      TABLE_NAME: 'overdue-entry',
      TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:alerts',
      STREAM_NAME: 'telemetry-entry',
      WORKFLOWS_FILE: 'workflows.yml',
      LAMBDA_TASK_ROOT: dir,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    }))
      vi.stubEnv(name, value);
    const published = capturePublished();
    const consumer = await import('../../functions/consumer.js');
    const sweeper = await import('../../functions/sweeper.js');
    const poller = new KinesisPoller(
      emu.kinesis,
      'telemetry-entry',
      (event: KinesisStreamEvent) =>
        consumer.handler(event, lambdaContext()) as Promise<KinesisStreamBatchResponse>,
    );
    // Real time this once: an order placed 10 minutes ago whose payment never came.
    const placed = Date.now() - 10 * 60_000;
    const event = JSON.parse(line(ev('placed', 0, { cid: 'o-entry', attributes: { items: 1 } })));
    event.time = new Date(placed).toISOString();
    await emu.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'telemetry-entry',
        Records: [{ Data: Buffer.from(JSON.stringify(event)), PartitionKey: 'o-entry' }],
      }),
    );
    await sweeper.handler({}, lambdaContext()); // heartbeats
    await poller.drain();
    await sweeper.handler({}, lambdaContext()); // T = the first run's time: payment is overdue
    expect(published.map((a) => `${a.kind}:${a.step}`)).toEqual(['step_overdue:paid']);
    expect(published[0]?.correlationId).toBe('o-entry');
  });

  it('fan out to functions/sweep-worker.ts when SWEEP_WORKERS is above 1', async () => {
    await createTable(emu.dynamodb, 'overdue-entry-2');
    await createStream(emu.kinesis, 'telemetry-entry-2', 1);
    vi.stubEnv('TABLE_NAME', 'overdue-entry-2');
    vi.stubEnv('STREAM_NAME', 'telemetry-entry-2');
    vi.stubEnv('SWEEP_WORKERS', '2');
    vi.stubEnv('SWEEP_WORKER', 'overdue-entry-sweepWorker');
    vi.resetModules();
    const published = capturePublished();
    const consumer = await import('../../functions/consumer.js');
    const sweeper = await import('../../functions/sweeper.js');
    const worker = await import('../../functions/sweep-worker.js');
    // Lambda's Invoke, answered by the worker entry point as the service would run it.
    const lambda = mockClient(LambdaClient);
    const invoked: string[] = [];
    lambda.on(InvokeCommand).callsFake(async (input) => {
      invoked.push(input.FunctionName as string);
      const event = JSON.parse(Buffer.from(input.Payload as Uint8Array).toString('utf8'));
      const result = await worker.handler(event, lambdaContext());
      return { StatusCode: 200, Payload: Buffer.from(JSON.stringify(result)) };
    });
    const poller = new KinesisPoller(
      emu.kinesis,
      'telemetry-entry-2',
      (event: KinesisStreamEvent) =>
        consumer.handler(event, lambdaContext()) as Promise<KinesisStreamBatchResponse>,
    );
    const event = JSON.parse(line(ev('placed', 0, { cid: 'o-fan', attributes: { items: 1 } })));
    event.time = new Date(Date.now() - 10 * 60_000).toISOString();
    await emu.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'telemetry-entry-2',
        Records: [{ Data: Buffer.from(JSON.stringify(event)), PartitionKey: 'o-fan' }],
      }),
    );
    await sweeper.handler({}, lambdaContext());
    await poller.drain();
    await sweeper.handler({}, lambdaContext());
    lambda.restore();
    expect(published.map((a) => `${a.correlationId} ${a.kind}:${a.step}`)).toEqual([
      'o-fan step_overdue:paid',
    ]);
    // Two workers a sweep, by the name the environment gives.
    expect(invoked).toEqual(Array(4).fill('overdue-entry-sweepWorker'));
  });
});
