import { awsClients } from '../src/aws/clients.js';
import { composeConsumer } from '../src/aws/compose.js';
import { consumerEnvironment, parseEnvironment } from '../src/aws/environment.js';
import { consumerHandler } from '../src/aws/handlers.js';
import { lambdaWiring } from '../src/aws/wiring.js';

// Cold start: a bad environment or workflow file fails here, once, with the reason in the log.
const env = parseEnvironment(consumerEnvironment, process.env);
const { config, logger, metrics, observability } = lambdaWiring('consumer', env);

export const handler = consumerHandler(
  composeConsumer(
    awsClients(),
    {
      config,
      tableName: env.TABLE_NAME,
      topicArn: env.TOPIC_ARN,
      traceUrl: env.TRACE_URL || undefined,
      region: env.AWS_REGION,
      quarantineRetentionMs: env.QUARANTINE_RETENTION,
      logPayloads: env.LOG_PAYLOADS,
      maxSkewMs: env.MAX_SKEW,
    },
    observability,
  ),
  logger,
  metrics,
);
