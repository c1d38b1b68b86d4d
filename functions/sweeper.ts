import { LambdaClient } from '@aws-sdk/client-lambda';
import { awsClients, httpHandler } from '../src/aws/clients.js';
import { composeSweeper } from '../src/aws/compose.js';
import { parseEnvironment, sweeperEnvironment } from '../src/aws/environment.js';
import { sweeperHandler } from '../src/aws/handlers.js';
import { lambdaWiring } from '../src/aws/wiring.js';

// Cold start: a bad environment or workflow file fails here, once, with the reason in the log.
const env = parseEnvironment(sweeperEnvironment, process.env);
const { config, logger, metrics, observability } = lambdaWiring('sweeper', env);

// Workers run for up to a sweep's length: the invocation waits for them, not the default timeout.
const WORKER_TIMEOUTS = { connectionTimeoutMs: 3_000, requestTimeoutMs: 15 * 60_000 };
// The environment schema requires SWEEP_WORKER whenever SWEEP_WORKERS is above 1.
const worker = env.SWEEP_WORKERS > 1 ? env.SWEEP_WORKER : undefined;

export const handler = sweeperHandler(
  composeSweeper(
    {
      ...awsClients(),
      ...(worker !== undefined
        ? { lambda: new LambdaClient({ requestHandler: httpHandler(WORKER_TIMEOUTS) }) }
        : {}),
    },
    {
      config,
      tableName: env.TABLE_NAME,
      topicArn: env.TOPIC_ARN,
      traceUrl: env.TRACE_URL || undefined,
      region: env.AWS_REGION,
      streamName: env.STREAM_NAME,
      lagThresholdMs: env.LAG_THRESHOLD,
      lagSeverity: env.LAG_SEVERITY,
      sweepEveryMs: env.SWEEP_EVERY,
      indexShards: env.INDEX_SHARDS,
      awaitHeartbeatsMs: env.AWAIT_HEARTBEATS,
      ...(worker !== undefined ? { workers: { count: env.SWEEP_WORKERS, functionName: worker } } : {}),
    },
    observability,
  ),
  {
    everyMs: env.SWEEP_EVERY,
    safetyMarginMs: env.SAFETY_MARGIN,
    // Sweeping every few seconds: the last sweep runs until just before the next invocation, whose
    // first sweep takes over, and needs only its heartbeat wait and a second of work.
    ...(env.SWEEP_EVERY > 0
      ? { periodMs: env.SCHEDULE_EVERY, minSweepMs: env.AWAIT_HEARTBEATS + 1_000 }
      : {}),
  },
  logger,
  metrics,
);
