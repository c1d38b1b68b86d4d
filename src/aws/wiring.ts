import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SnsPublisher } from '../alerts/sns-publisher.js';
import type { PublishDeps } from '../runtime/commit.js';
import { workflowsPath } from '../runtime/environment.js';
import { DynamoDbStore } from '../store/dynamodb-store.js';
import { loadWorkflowFile } from '../workflow/load.js';
import type { WorkflowConfig } from '../workflow/model.js';
import { awsClients } from './clients.js';
import { powertoolsLog, powertoolsMetrics } from './powertools.js';

/**
 * What both Lambdas build once per container: the workflow file (a bad one fails the cold start,
 * with its reasons in the log), the SDK clients, Powertools, the store and the publisher.
 */
export function lambdaWiring(
  role: 'consumer' | 'sweeper',
  env: { TABLE_NAME: string; TOPIC_ARN: string; WORKFLOWS_FILE: string; METRICS_NAMESPACE: string },
) {
  const clients = awsClients();
  const logger = new Logger({ serviceName: `overdue-${role}` });
  const metrics = new Metrics({ namespace: env.METRICS_NAMESPACE, serviceName: role });
  const deps: PublishDeps & { config: WorkflowConfig; clock: () => number } = {
    config: loadWorkflowFile(workflowsPath(env.WORKFLOWS_FILE, process.env)),
    store: new DynamoDbStore(clients.dynamodb, env.TABLE_NAME),
    publisher: new SnsPublisher(clients.sns, env.TOPIC_ARN),
    metrics: powertoolsMetrics(metrics),
    logger: powertoolsLog(logger),
    clock: Date.now,
  };
  return { clients, logger, metrics, deps };
}
