import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SnsPublisher } from '../src/alerts/sns-publisher.js';
import { awsClients } from '../src/aws/clients.js';
import { sweeperHandler } from '../src/aws/handlers.js';
import { powertoolsLog, powertoolsMetrics } from '../src/aws/powertools.js';
import { parseEnvironment, sweeperEnvironment, workflowsPath } from '../src/runtime/environment.js';
import { DynamoDbStore } from '../src/store/dynamodb-store.js';
import { KinesisHeartbeats } from '../src/stream/kinesis-heartbeats.js';
import { loadWorkflowFile } from '../src/workflow/load.js';

// Cold start: a bad environment or workflow file fails here, once, with the reason in the log.
const env = parseEnvironment(sweeperEnvironment, process.env);
const config = loadWorkflowFile(workflowsPath(env.WORKFLOWS_FILE, process.env));
const clients = awsClients();
const logger = new Logger({ serviceName: 'overdue-sweeper' });
const metrics = new Metrics({ namespace: 'overdue', serviceName: 'sweeper' });

export const handler = sweeperHandler(
  {
    config,
    store: new DynamoDbStore(clients.dynamodb, env.TABLE_NAME),
    publisher: new SnsPublisher(clients.sns, env.TOPIC_ARN),
    heartbeats: new KinesisHeartbeats(clients.kinesis, env.STREAM_NAME),
    metrics: powertoolsMetrics(metrics),
    logger: powertoolsLog(logger),
    clock: Date.now,
    lagThresholdMs: env.LAG_THRESHOLD,
    lagSeverity: env.LAG_SEVERITY,
    streamName: env.STREAM_NAME,
  },
  { everyMs: env.SWEEP_EVERY, safetyMarginMs: env.SAFETY_MARGIN },
  logger,
  metrics,
);
