import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { styleText } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import type { KinesisStreamBatchResponse } from 'aws-lambda';
import { httpHandler } from '../aws/clients.js';
import { composeConsumer, composeSweeper } from '../aws/compose.js';
import { consumerHandler, sweeperHandler } from '../aws/handlers.js';
import type { Alert } from '../engine/alert.js';
import { DEFAULT_MAX_SKEW_MS } from '../events/telemetry.js';
import type { LogSink, MetricsSink } from '../runtime/ports.js';
import { DynamoDbStore } from '../store/dynamodb-store.js';
import { loadWorkflowFile } from '../workflow/load.js';
import type { WorkflowConfig } from '../workflow/model.js';
import { formatAlert } from './alert-printer.js';
import { type Demo, startDemo } from './demo.js';
import { createStream, createTable, type Emulators, startEmulators } from './emulators.js';
import { KinesisPoller } from './kinesis-poller.js';
import { lambdaContext } from './lambda-context.js';
import { LOCAL_NAME, LOCAL_TOPIC } from './names.js';
import { SnsSink } from './sns-sink.js';

export { LOCAL_NAME, LOCAL_TOPIC } from './names.js';

/** Longer than the local poller's round trip (it polls every 100 ms when idle). */
const DEV_AWAIT_HEARTBEATS_MS = 1_000;

const LOCAL_SHARDS = 2;
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface DevOptions {
  configFile: string;
  demo: boolean;
  /** Append each alert record as a line of NDJSON. */
  alertsFile?: string | undefined;
  /** 0 picks a free port. */
  kinesisPort: number;
  dynamodbPort: number;
  snsPort: number;
  sweepEveryMs: number;
  pollEveryMs?: number;
  batchSize?: number;
  lagThresholdMs?: number;
  /** How far ahead of its arrival an event time may be (default 2m). */
  maxSkewMs?: number;
  /** Where dev mode prints (the terminal). */
  print: (text: string) => void;
  /** Called with each alert as it is printed (benchmarks time it). */
  onAlert?: (alert: Alert) => void;
  color: boolean;
}

export interface DevMode {
  endpoints: { kinesis: string; dynamodb: string; sns: string };
  config: WorkflowConfig;
  /** Every alert published so far, in order. */
  alerts: Alert[];
  store: DynamoDbStore;
  emulators: Emulators;
  /** Throws the poller away and starts a new one from the oldest record, as after a crash. */
  restartPoller(): void;
  stop(): Promise<void>;
}

/**
 * The whole monitor on one machine: dynalite and kinesalite in this process, the table and stream
 * created from infra/, the real consumer and sweeper handlers fed the way Lambda feeds them, and SNS
 * answered by a local endpoint that prints each alert. Only the endpoints differ from AWS.
 */
export async function startDev(options: DevOptions): Promise<DevMode> {
  const config = loadWorkflowFile(options.configFile);
  const paint = (style: Parameters<typeof styleText>[0], text: string) =>
    options.color ? styleText(style, text) : text;
  const alerts: Alert[] = [];
  const sink = new SnsSink((message) => {
    const alert = JSON.parse(message.message) as Alert;
    alerts.push(alert);
    options.print(formatAlert(alert, options.color));
    options.onAlert?.(alert);
    if (options.alertsFile) appendFileSync(options.alertsFile, `${message.message}\n`);
  });
  const emulators = await startEmulators({ dynamodb: options.dynamodbPort, kinesis: options.kinesisPort });
  let snsEndpoint: string;
  try {
    snsEndpoint = await sink.start(options.snsPort);
    await createTable(emulators.dynamodb, LOCAL_NAME);
    await new DynamoDbStore(emulators.dynamodb, LOCAL_NAME).noteLocalConfig(resolve(options.configFile));
    await createStream(emulators.kinesis, LOCAL_NAME, LOCAL_SHARDS);
  } catch (error) {
    await Promise.all([sink.stop(), emulators.stop()]);
    throw error;
  }

  // The handlers' own Powertools output (batch summaries) would drown the alerts; and there is no
  // CloudWatch here to flush embedded metrics to, so the handlers get no metrics middleware.
  const logger = new Logger({ serviceName: 'overdue-local', logLevel: 'ERROR' });
  const log: LogSink = {
    info() {},
    warn: (message, fields) => options.print(paint('yellow', `${clock()}  ${message}  ${brief(fields)}`)),
    error: (message, fields) => options.print(paint('red', `${clock()}  ${message}  ${brief(fields)}`)),
  };
  const observability = {
    logger: log,
    metrics: { count() {}, timing() {}, gauge() {} } satisfies MetricsSink,
  };
  const dynamodb = new DynamoDBClient({
    requestHandler: httpHandler(),
    endpoint: emulators.dynamodbEndpoint,
    region: emulators.region,
    credentials: CREDENTIALS,
  });
  const sns = new SNSClient({
    endpoint: snsEndpoint,
    region: emulators.region,
    credentials: CREDENTIALS,
    requestHandler: httpHandler(),
  });
  const clients = { dynamodb, sns, kinesis: emulators.kinesis };
  const common = { config, tableName: LOCAL_NAME, topicArn: LOCAL_TOPIC };
  const consumer = consumerHandler(
    composeConsumer(
      clients,
      {
        ...common,
        quarantineRetentionMs: 86_400_000,
        logPayloads: false,
        maxSkewMs: options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS,
      },
      observability,
    ),
    logger,
  );
  const sweeper = sweeperHandler(
    composeSweeper(
      clients,
      {
        ...common,
        streamName: LOCAL_NAME,
        lagThresholdMs: options.lagThresholdMs ?? 30_000,
        lagSeverity: 'high',
        sweepEveryMs: options.sweepEveryMs,
        // As deployed: each sweep waits for its own heartbeats (a poll or two here) and judges at
        // its own start, so an alert comes within one interval of its deadline, not two.
        awaitHeartbeatsMs: Math.min(options.sweepEveryMs, DEV_AWAIT_HEARTBEATS_MS),
      },
      observability,
    ),
    { everyMs: 0, safetyMarginMs: 0 },
    logger,
  );
  const store = new DynamoDbStore(dynamodb, LOCAL_NAME);

  const stopping = new AbortController();
  const newPoller = () =>
    new KinesisPoller(
      emulators.kinesis,
      LOCAL_NAME,
      (event) => consumer(event, lambdaContext('overdue-consumer')) as Promise<KinesisStreamBatchResponse>,
      { batchSize: options.batchSize ?? 100 },
    );
  let poller = newPoller();
  const pollLoop = (async () => {
    while (!stopping.signal.aborted) {
      let handled = 0;
      try {
        handled = await poller.pollOnce();
      } catch (error) {
        if (!stopping.signal.aborted) log.error('polling the stream failed', { error: String(error) });
      }
      if (handled === 0) await pause(options.pollEveryMs ?? 100, stopping.signal);
    }
  })();
  const sweepLoop = (async () => {
    while (!stopping.signal.aborted) {
      const started = Date.now();
      try {
        await sweeper({}, lambdaContext('overdue-sweeper', options.sweepEveryMs + 30_000));
      } catch (error) {
        if (!stopping.signal.aborted) log.error('sweep failed', { error: String(error) });
      }
      await pause(Math.max(0, options.sweepEveryMs - (Date.now() - started)), stopping.signal);
    }
  })();
  let demo: Demo | undefined;
  if (options.demo) {
    demo = startDemo(emulators.kinesis, LOCAL_NAME, (error) =>
      log.error('demo traffic could not be sent', { error: String(error) }),
    );
  }

  return {
    endpoints: { kinesis: emulators.kinesisEndpoint, dynamodb: emulators.dynamodbEndpoint, sns: snsEndpoint },
    config,
    alerts,
    store,
    emulators,
    restartPoller() {
      poller = newPoller();
    },
    async stop() {
      stopping.abort();
      await demo?.stop();
      await Promise.all([pollLoop, sweepLoop]);
      dynamodb.destroy();
      sns.destroy();
      await Promise.all([sink.stop(), emulators.stop()]);
    },
  };
}

/** The lines dev mode prints once it is ready: endpoints, and how to point a producer at them. */
export function readyBanner(dev: DevMode, options: DevOptions, consoleUrl?: string): string {
  const { kinesis, dynamodb, sns } = dev.endpoints;
  const example = JSON.stringify({
    eventId: 'e-1',
    correlationId: 'o-1',
    step: [...dev.config.stepOwners.keys()][0] ?? 'order.placed',
    time: 'NOW',
  }).replace('"NOW"', '"\'"$(date -u +%FT%TZ)"\'"');
  return [
    `overdue dev: the monitor runs on this machine (workflows: ${dev.config.file})`,
    '',
    ...(consoleUrl ? [`  Console   ${consoleUrl}   (the board, timelines, step latency, alerts)`, ''] : []),
    `  Kinesis   ${kinesis}   stream ${LOCAL_NAME} (${LOCAL_SHARDS} shards)`,
    `  DynamoDB  ${dynamodb}   table ${LOCAL_NAME}`,
    `  SNS       ${sns}   topic ${LOCAL_TOPIC}`,
    '',
    'Point a producer (or the AWS CLI, or `overdue send`) at it:',
    `  export AWS_ENDPOINT_URL_KINESIS=${kinesis}`,
    `  export AWS_ENDPOINT_URL_DYNAMODB=${dynamodb}`,
    '  export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local',
    `  echo '${example}' | npx overdue send --events -`,
    `  npx overdue trace o-1 --config ${dev.config.file}`,
    '  npx overdue quarantine list --since 10m',
    '',
    `Sweeping every ${options.sweepEveryMs / 1000}s.${options.demo ? ' Demo traffic is on (--no-demo turns it off).' : ''} Ctrl-C stops everything.`,
    '',
    'T (UTC)   KIND                 WORKFLOW  CORRELATION ID  STEP  WHAT  [SEVERITY]',
    '          T: the observed (event) time at which the monitor raised the alert',
    '',
  ].join('\n');
}

const clock = () => new Date().toISOString().slice(11, 19);

function brief(fields: Record<string, unknown> | undefined): string {
  return Object.entries(fields ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // aborted: stopping
  }
}
