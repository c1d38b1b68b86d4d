import { awsClients } from '../src/aws/clients.js';
import { composeSweepWorker } from '../src/aws/compose.js';
import { parseEnvironment, sweepWorkerEnvironment } from '../src/aws/environment.js';
import { sweepWorkerHandler } from '../src/aws/handlers.js';
import { lambdaWiring } from '../src/aws/wiring.js';

// Cold start: a bad environment or workflow file fails here, once, with the reason in the log.
const env = parseEnvironment(sweepWorkerEnvironment, process.env);
const { config, logger, metrics, observability } = lambdaWiring('sweep-worker', env);

export const handler = sweepWorkerHandler(
  composeSweepWorker(
    awsClients(),
    {
      config,
      tableName: env.TABLE_NAME,
      topicArn: env.TOPIC_ARN,
      traceUrl: env.TRACE_URL || undefined,
      region: env.AWS_REGION,
      sweepEveryMs: env.SWEEP_EVERY,
    },
    observability,
  ),
  { safetyMarginMs: env.SAFETY_MARGIN },
  logger,
  metrics,
);
