import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { loadWorkflowFile } from '../workflow/load.js';
import { workflowsPath } from './environment.js';
import { powertoolsLog, powertoolsMetrics } from './powertools.js';

/**
 * What each Lambda builds once per container beside the composition root: the workflow file (a bad
 * one fails the cold start, with its reasons in the log) and Powertools.
 */
export function lambdaWiring(
  role: 'consumer' | 'sweeper' | 'sweep-worker',
  env: { WORKFLOWS_FILE: string; METRICS_NAMESPACE: string },
) {
  const logger = new Logger({ serviceName: `overdue-${role}` });
  // A worker does the sweeper's work: its figures count toward the sweeper's alarms.
  const service = role === 'sweep-worker' ? 'sweeper' : role;
  const metrics = new Metrics({ namespace: env.METRICS_NAMESPACE, serviceName: service });
  return {
    config: loadWorkflowFile(workflowsPath(env.WORKFLOWS_FILE, process.env)),
    logger,
    metrics,
    observability: {
      logger: powertoolsLog(logger),
      metrics: powertoolsMetrics(metrics, { namespace: env.METRICS_NAMESPACE, service }),
    },
  };
}
