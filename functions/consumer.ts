import { consumerHandler } from '../src/aws/handlers.js';
import { lambdaWiring } from '../src/aws/wiring.js';
import { consumerEnvironment, parseEnvironment } from '../src/runtime/environment.js';

// Cold start: a bad environment or workflow file fails here, once, with the reason in the log.
const env = parseEnvironment(consumerEnvironment, process.env);
const { deps, logger, metrics } = lambdaWiring('consumer', env);

export const handler = consumerHandler(
  {
    ...deps,
    quarantineRetentionMs: env.QUARANTINE_RETENTION,
    logPayloads: env.LOG_PAYLOADS,
    maxSkewMs: env.MAX_SKEW,
    cache: { watermarks: new Map() },
  },
  logger,
  metrics,
);
