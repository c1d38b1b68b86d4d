import { Logger } from '@aws-lambda-powertools/logger';
import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PublishBatchCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { composeConsumer, composeSweeper, composeSweepWorker } from '../../src/aws/compose.js';
import { consumerHandler, sweeperHandler, sweepWorkerHandler } from '../../src/aws/handlers.js';
import type { Alert } from '../../src/engine/alert.js';
import { createStream, createTable, type Emulators } from '../../src/local/emulators.js';
import { KinesisPoller } from '../../src/local/kinesis-poller.js';
import { lambdaContext as localContext } from '../../src/local/lambda-context.js';
import type { ConsumerDeps } from '../../src/runtime/consume-batch.js';
import type { LogSink, MetricsSink, StoredInstance } from '../../src/runtime/ports.js';
import type { SweeperDeps, SweepResult } from '../../src/runtime/sweep.js';
import { DynamoDbStore } from '../../src/store/dynamodb-store.js';
import { instancePk, QUARANTINE_SHARDS, quarantinePk } from '../../src/store/keys.js';
import type { WorkflowConfig } from '../../src/workflow/model.js';
import { type EventSpec, line, orderConfig, T0 } from '../helpers.js';

/** Counters a test can assert on, instead of CloudWatch. */
export class MemoryMetrics implements MetricsSink {
  readonly counts = new Map<string, number>();
  readonly timings = new Map<string, number[]>();
  count(name: string, value = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + value);
  }
  readonly gauges = new Map<string, number[]>();
  gauge(name: string, value: number): void {
    this.gauges.set(name, [...(this.gauges.get(name) ?? []), value]);
  }
  timing(name: string, ms: number): void {
    this.timings.set(name, [...(this.timings.get(name) ?? []), ms]);
  }
}

const quiet: LogSink = { info() {}, warn() {}, error() {} };

export const sns = mockClient(SNSClient);

let serial = 0;

/** The alert record a subscriber other than email receives: with MessageStructure json, its `default`. */
export function record(entry: { Message?: string; MessageStructure?: string }): Alert {
  const message = entry.Message as string;
  return JSON.parse(entry.MessageStructure === 'json' ? JSON.parse(message).default : message);
}

/** Alerts the mocked topic received, in order. */
export function capturePublished(): Alert[] {
  const published: Alert[] = [];
  sns.reset();
  sns.on(PublishCommand).callsFake((input) => {
    published.push(record(input));
    return { MessageId: `m${published.length}` };
  });
  sns.on(PublishBatchCommand).callsFake((input) => {
    const entries = input.PublishBatchRequestEntries as {
      Id: string;
      Message: string;
      MessageStructure?: string;
    }[];
    for (const e of entries) published.push(record(e));
    return { Successful: entries.map((e) => ({ Id: e.Id, MessageId: e.Id })), Failed: [] };
  });
  return published;
}

/** The mocked topic refuses every publish, as a throttled SNS would. */
export function refusePublishing(): void {
  const throttled = Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
  sns.reset();
  sns.on(PublishCommand).rejects(throttled);
  sns.on(PublishBatchCommand).rejects(throttled);
}

export interface Harness {
  table: string;
  stream: string;
  store: DynamoDbStore;
  metrics: MemoryMetrics;
  poller: KinesisPoller;
  published: Alert[];
  invocations: WorkerInvocation[];
  /** The next `n` worker invocations fail, as a worker that crashes or times out would. */
  failWorkers(n: number): void;
  /** Wall clock seen by both functions, ms; tests move it. */
  now: number;
  consumerDeps: ConsumerDeps;
  sweeperDeps: SweeperDeps;
  consume(event: KinesisStreamEvent): Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
  /** Puts events on the stream with the correlation ID as partition key. */
  send(events: readonly (EventSpec | string)[]): Promise<void>;
  /** Runs the real sweeper handler once at wall time `at`. */
  sweep(at: number): Promise<SweepResult>;
  /** Sweep at `at` (heartbeats), then let the consumer catch up: T becomes `at` for the next sweep. */
  tick(at: number): Promise<SweepResult>;
  instance(correlationId: string, workflow?: string): Promise<StoredInstance | undefined>;
  quarantined(): Promise<Record<string, unknown>[]>;
}

export interface HarnessOptions {
  shards?: number;
  batchSize?: number;
  /** The DynamoDB client the functions use (default: the emulator's); for fault injection. */
  dynamodb?: DynamoDBClient;
  lagThresholdMs?: number;
  maxSkewMs?: number;
  /** Fan sweeps out to this many workers: the real worker handler behind a stand-in Lambda service. */
  sweepWorkers?: number;
  /** The workflows (default: the order workflow of test/helpers.ts). */
  config?: WorkflowConfig;
}

/** What the stand-in Lambda service saw: one entry per worker invocation. */
export interface WorkerInvocation {
  partitions: string[];
  observed: number | null;
  failed: boolean;
}

export async function harness(emu: Emulators, options: HarnessOptions = {}): Promise<Harness> {
  const table = `overdue-test-${++serial}`;
  const stream = `telemetry-${serial}`;
  await createTable(emu.dynamodb, table);
  await createStream(emu.kinesis, stream, options.shards ?? 2);
  const metrics = new MemoryMetrics();
  const clients = {
    dynamodb: options.dynamodb ?? emu.dynamodb,
    // Static credentials: without them the SDK probes the instance metadata service for 10 s.
    sns: new SNSClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    }),
    kinesis: emu.kinesis,
  };
  const logger = new Logger({ logLevel: 'SILENT' });
  const h = {
    table,
    stream,
    store: new DynamoDbStore(clients.dynamodb, table),
    metrics,
    published: capturePublished(),
    now: T0,
  } as Harness;
  // The same composition root as the Lambdas and dev mode; only the clients and the clock differ.
  const common = {
    config: options.config ?? orderConfig(),
    tableName: table,
    topicArn: 'arn:aws:sns:us-east-1:0:alerts',
    clock: () => h.now,
  };
  const observability = { logger: quiet, metrics };
  h.consumerDeps = composeConsumer(
    clients,
    {
      ...common,
      quarantineRetentionMs: 14 * 86_400_000,
      logPayloads: false,
      maxSkewMs: options.maxSkewMs ?? 120_000,
    },
    observability,
  );
  h.invocations = [];
  let failing = 0;
  h.failWorkers = (n) => {
    failing = n;
  };
  const lambda = mockClient(LambdaClient);
  lambda.reset();
  if (options.sweepWorkers !== undefined) {
    // The worker function, composed as functions/sweep-worker.ts composes it, invoked with the
    // JSON payload the sweeper's Lambda client sends, answering as the Lambda service would.
    const worker = sweepWorkerHandler(
      composeSweepWorker(clients, common, observability),
      { safetyMarginMs: 1000 },
      new Logger({ logLevel: 'SILENT' }),
    );
    lambda.on(InvokeCommand).callsFake(async (input) => {
      const event = JSON.parse(Buffer.from(input.Payload as Uint8Array).toString('utf8'));
      const failed = failing > 0;
      if (failed) failing--;
      h.invocations.push({ partitions: event.partitions, observed: event.observed, failed });
      if (failed) {
        return { StatusCode: 200, FunctionError: 'Unhandled', Payload: Buffer.from('{"errorType":"Crash"}') };
      }
      const result = await worker(event, lambdaContext());
      return { StatusCode: 200, Payload: Buffer.from(JSON.stringify(result)) };
    });
  }
  h.sweeperDeps = composeSweeper(
    {
      ...clients,
      lambda: new LambdaClient({
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      }),
    },
    // Ticks in tests are minutes apart; only the lag test wants a threshold that near.
    {
      ...common,
      streamName: stream,
      lagThresholdMs: options.lagThresholdMs ?? 3_600_000,
      lagSeverity: 'high',
      ...(options.sweepWorkers === undefined
        ? {}
        : { workers: { count: options.sweepWorkers, functionName: 'overdue-test-sweepWorker' } }),
    },
    observability,
  );
  const consumer = consumerHandler(h.consumerDeps, logger);
  const sweeper = sweeperHandler(h.sweeperDeps, { everyMs: 0, safetyMarginMs: 1000 }, logger);
  h.consume = async (event) => (await consumer(event, lambdaContext())) as never;
  h.poller = new KinesisPoller(emu.kinesis, stream, (event) => h.consume(event), {
    batchSize: options.batchSize ?? 100,
  });
  h.send = async (events) => {
    await emu.kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        // A string is a raw payload (a poison record); a spec becomes a native event.
        Records: events.map((e) =>
          typeof e === 'string'
            ? { Data: Buffer.from(e), PartitionKey: 'raw' }
            : { Data: Buffer.from(line(e)), PartitionKey: e.cid ?? 'o-1' },
        ),
      }),
    );
  };
  h.sweep = async (at) => {
    h.now = at;
    const results = (await sweeper({}, lambdaContext())) as SweepResult[];
    return results[0] as SweepResult;
  };
  h.tick = async (at) => {
    const result = await h.sweep(at);
    await h.poller.drain();
    return result;
  };
  h.instance = async (correlationId, workflow = 'order') => {
    const key = instancePk(workflow, correlationId);
    return (await h.store.getInstances([key], { consistent: true })).get(key);
  };
  h.quarantined = async () => {
    // Bucketed by Kinesis arrival time (real time): the last two hours, every write shard; the raw
    // items, in arrival order, so that tests see exactly what the table holds.
    const items = [];
    for (const at of [Date.now() - 3_600_000, Date.now()]) {
      for (let shard = 0; shard < QUARANTINE_SHARDS; shard++) {
        const out = await emu.dynamodb.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': { S: quarantinePk(at, shard) } },
          }),
        );
        items.push(...(out.Items ?? []));
      }
    }
    const unique = [...new Map(items.map((item) => [`${item.pk?.S}/${item.sk?.S}`, item])).values()];
    return unique
      .sort((a, b) => (a.sk?.S ?? '').localeCompare(b.sk?.S ?? ''))
      .map((item) => Object.fromEntries(Object.entries(item).map(([k, v]) => [k, v.S ?? v.N ?? v.BOOL])));
  };
  return h;
}

export const lambdaContext = (remainingMs = 60_000): Context => localContext('overdue-test', remainingMs);
