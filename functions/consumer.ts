import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SnsPublisher } from '../src/alerts/sns-publisher.js';
import { awsClients } from '../src/aws/clients.js';
import { consumerHandler } from '../src/aws/handlers.js';
import { powertoolsLog, powertoolsMetrics } from '../src/aws/powertools.js';
import { consumerEnvironment, parseEnvironment, workflowsPath } from '../src/runtime/environment.js';
import { DynamoDbStore } from '../src/store/dynamodb-store.js';
import { loadWorkflowFile } from '../src/workflow/load.js';

// Cold start: a bad environment or workflow file fails here, once, with the reason in the log.
const env = parseEnvironment(consumerEnvironment, process.env);
const config = loadWorkflowFile(workflowsPath(env.WORKFLOWS_FILE, process.env));
const clients = awsClients();
const logger = new Logger({ serviceName: 'overdue-consumer' });
const metrics = new Metrics({ namespace: 'overdue', serviceName: 'consumer' });

export const handler = consumerHandler(
  {
    config,
    store: new DynamoDbStore(clients.dynamodb, env.TABLE_NAME),
    publisher: new SnsPublisher(clients.sns, env.TOPIC_ARN),
    metrics: powertoolsMetrics(metrics),
    logger: powertoolsLog(logger),
    clock: Date.now,
    quarantineRetentionMs: env.QUARANTINE_RETENTION,
    logPayloads: env.LOG_PAYLOADS,
    watermarkCache: new Map(),
  },
  logger,
  metrics,
);
