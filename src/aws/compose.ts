import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SNSClient } from '@aws-sdk/client-sns';
import { SnsPublisher } from '../alerts/sns-publisher.js';
import { traceLinker } from '../alerts/trace-links.js';
import type { ConsumerDeps } from '../runtime/consume-batch.js';
import type { LogSink, MetricsSink } from '../runtime/ports.js';
import type { SweeperDeps } from '../runtime/sweep.js';
import type { PartitionSweepDeps, SweepWorkers } from '../runtime/sweep-partitions.js';
import { DynamoDbStore } from '../store/dynamodb-store.js';
import { KinesisHeartbeats } from '../stream/kinesis-heartbeats.js';
import type { WorkflowConfig } from '../workflow/model.js';
import type { Severity } from '../workflow/schema.js';
import { LambdaSweepWorkers } from './sweep-workers.js';

/** The SDK clients, built by the caller: from the environment on Lambda, for the emulators locally. */
export interface Clients {
  dynamodb: DynamoDBClient;
  sns: SNSClient;
  kinesis: KinesisClient;
  /** Only a sweeper that fans out to workers invokes Lambda. */
  lambda?: LambdaClient;
}

/** What both functions are configured with (on Lambda: the validated environment). */
interface CommonSettings {
  config: WorkflowConfig;
  tableName: string;
  topicArn: string;
  /** Links alerts to their traces: a URL template with {traceId} and {region}; default X-Ray's console. */
  traceUrl?: string | undefined;
  /** The deployment's region, for X-Ray console links (none without it). */
  region?: string | undefined;
  /** Wall clock; tests move it. */
  clock?: () => number;
}

export interface ConsumerSettings extends CommonSettings {
  quarantineRetentionMs: number;
  logPayloads: boolean;
  maxSkewMs: number;
}

export interface SweeperSettings extends CommonSettings {
  streamName: string;
  lagThresholdMs: number;
  lagSeverity: Severity;
  /** How often the sweeper sweeps: an early item is read again rather than re-indexed within 10 sweeps. */
  sweepEveryMs?: number;
  /** The wake-up index's partition count; changing it starts a new index epoch. */
  indexShards?: number;
  /** Wait up to this long for each sweep's own heartbeats to come round before judging. */
  awaitHeartbeatsMs?: number;
  /**
   * Fan the index out to parallel workers: a count and the worker function (invoked through
   * `clients.lambda`), or workers of the caller's own (tests, dev mode). Default: none.
   */
  workers?: { count: number; functionName: string } | SweepWorkers;
}

export type SweepWorkerSettings = CommonSettings & { sweepEveryMs?: number };

export interface Observability {
  logger: LogSink;
  metrics: MetricsSink;
}

/**
 * The one composition root: every graph of the monitor (the Lambdas, `overdue dev`, the
 * integration tests) is built here from injected clients, logger and metrics, so that what runs
 * locally is what runs on AWS.
 */
export function composeConsumer(
  clients: Clients,
  settings: ConsumerSettings,
  o: Observability,
): ConsumerDeps {
  return {
    ...shared(clients, settings, o),
    quarantineRetentionMs: settings.quarantineRetentionMs,
    logPayloads: settings.logPayloads,
    maxSkewMs: settings.maxSkewMs,
    // Per container: the watermarks it last saw and the heartbeat key.
    cache: { watermarks: new Map() },
  };
}

export function composeSweeper(clients: Clients, settings: SweeperSettings, o: Observability): SweeperDeps {
  const workers = sweepWorkers(clients, settings.workers);
  return {
    ...shared(clients, settings, o),
    heartbeats: new KinesisHeartbeats(clients.kinesis, settings.streamName),
    lagThresholdMs: settings.lagThresholdMs,
    lagSeverity: settings.lagSeverity,
    streamName: settings.streamName,
    cache: {},
    rereadWindowMs: rereadWindow(settings.sweepEveryMs),
    ...(settings.indexShards === undefined ? {} : { indexShards: settings.indexShards }),
    ...(workers === undefined ? {} : { workers }),
    ...(settings.awaitHeartbeatsMs ? { awaitHeartbeatsMs: settings.awaitHeartbeatsMs } : {}),
  };
}

/** A sweep worker: the table, the topic and the workflows; T comes from the coordinator. */
export function composeSweepWorker(
  clients: Pick<Clients, 'dynamodb' | 'sns'>,
  settings: SweepWorkerSettings,
  o: Observability,
): PartitionSweepDeps {
  return {
    ...shared(clients, settings, o),
    rereadWindowMs: rereadWindow(settings.sweepEveryMs),
  };
}

/** What every function's graph has: the workflows, the table, the topic, observability, the clock. */
function shared(clients: Pick<Clients, 'dynamodb' | 'sns'>, settings: CommonSettings, o: Observability) {
  const clock = settings.clock ?? Date.now;
  return {
    config: settings.config,
    store: new DynamoDbStore(clients.dynamodb, settings.tableName, clock),
    publisher: new SnsPublisher(
      clients.sns,
      settings.topicArn,
      traceLinker({ template: settings.traceUrl, region: settings.region }),
    ),
    metrics: o.metrics,
    logger: o.logger,
    clock,
  };
}

// Ten sweeps' worth of re-reads (half a read unit each) cost less than moving the index entry
// (two write units, 20 times the price of a read unit's half).
const rereadWindow = (sweepEveryMs: number | undefined) => 10 * (sweepEveryMs || 60_000);

function sweepWorkers(clients: Clients, workers: SweeperSettings['workers']): SweepWorkers | undefined {
  if (workers === undefined || workers.count <= 1) return undefined;
  if ('run' in workers) return workers;
  if (clients.lambda === undefined) throw new Error('sweep workers need a Lambda client');
  return new LambdaSweepWorkers(clients.lambda, workers.functionName, workers.count);
}
