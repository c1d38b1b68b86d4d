import { Logger } from '@aws-lambda-powertools/logger';
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEnvironment, sweeperEnvironment } from '../../src/aws/environment.js';
import { sweepWorkerHandler } from '../../src/aws/handlers.js';
import { LambdaSweepWorkers, SweepWorkerError } from '../../src/aws/sweep-workers.js';
import { lambdaContext } from '../../src/local/lambda-context.js';
import type { PartitionSweepDeps } from '../../src/runtime/sweep-partitions.js';
import { orderConfig } from '../helpers.js';
import { MemoryStore } from '../support/memory-store.js';

const lambda = mockClient(LambdaClient);
afterEach(() => lambda.reset());
const client = new LambdaClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
});
const share = { observed: 1_000, partitions: ['D#0', 'D#3'], stopBy: 9_000 };
// The SDK wraps payloads in a blob adapter; the adapter reads them as bytes.
const payload = (text: string) => Buffer.from(text) as unknown as NonNullable<InvokeCommandOutput['Payload']>;
const ok = { due: 2, written: 1, alerts: 1, failed: 0, stoppedEarly: false, unpublished: 0 };

describe('LambdaSweepWorkers', () => {
  it('invokes the worker synchronously with the share as JSON and returns its counts', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload(JSON.stringify(ok)) });
    const workers = new LambdaSweepWorkers(client, 'overdue-sweepWorker', 3);
    expect(await workers.run({ ...share, observed: undefined })).toEqual(ok);
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(input?.FunctionName).toBe('overdue-sweepWorker');
    expect(input?.InvocationType).toBe('RequestResponse');
    // No T yet travels as null: JSON has no undefined.
    expect(JSON.parse(Buffer.from(input?.Payload as Uint8Array).toString())).toEqual({
      ...share,
      observed: null,
    });
  });

  it('fails with a typed error when the worker failed or answered something else', async () => {
    const workers = new LambdaSweepWorkers(client, 'w', 2);
    lambda
      .on(InvokeCommand)
      .resolvesOnce({
        StatusCode: 200,
        FunctionError: 'Unhandled',
        Payload: payload('{"errorMessage":"Task timed out"}'),
      })
      .resolvesOnce({ StatusCode: 200, Payload: payload('{"due":-1}') })
      .resolvesOnce({ StatusCode: 200, Payload: payload('<html>') });
    await expect(workers.run(share)).rejects.toThrow(/sweep worker failed \(Unhandled\).*timed out/);
    await expect(workers.run(share)).rejects.toBeInstanceOf(SweepWorkerError);
    await expect(workers.run(share)).rejects.toThrow('sweep worker returned no JSON');
  });
});

describe('sweep worker handler', () => {
  const deps: PartitionSweepDeps = {
    config: orderConfig(),
    store: new MemoryStore(),
    publisher: { publish: async () => ({ published: new Set(), failed: [] }) },
    metrics: { count() {}, timing() {}, gauge() {} },
    logger: { info() {}, warn() {}, error() {} },
    clock: () => 5_000,
  };
  const handler = sweepWorkerHandler(deps, { safetyMarginMs: 1_000 }, new Logger({ logLevel: 'SILENT' }));

  it('refuses anything but an assignment of index partitions', async () => {
    for (const event of [{}, { ...share, partitions: ['I#order#x'] }, { ...share, observed: 'soon' }]) {
      await expect(handler(event, lambdaContext('w', 10_000))).rejects.toThrow(/not a sweep assignment/);
    }
  });

  it('sweeps its share and answers with its counts', async () => {
    const result = await handler({ ...share, stopBy: 10 ** 12 }, lambdaContext('w', 10_000));
    expect(result).toEqual({ due: 0, written: 0, alerts: 0, failed: 0, stoppedEarly: false, unpublished: 0 });
  });
});

describe('sweeper environment, workers', () => {
  const base = { TABLE_NAME: 't', TOPIC_ARN: 'a', STREAM_NAME: 's' };
  it('needs the worker function when it fans out, and defaults to sweeping alone', () => {
    expect(parseEnvironment(sweeperEnvironment, base)).toMatchObject({ SWEEP_WORKERS: 1 });
    expect(() => parseEnvironment(sweeperEnvironment, { ...base, SWEEP_WORKERS: '4' })).toThrow(
      /SWEEP_WORKER: not set: SWEEP_WORKERS above 1 needs SWEEP_WORKER/,
    );
    expect(
      parseEnvironment(sweeperEnvironment, { ...base, SWEEP_WORKERS: '4', SWEEP_WORKER: 'fn' }),
    ).toMatchObject({ SWEEP_WORKERS: 4, SWEEP_WORKER: 'fn' });
  });
});
