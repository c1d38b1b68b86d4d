import { sweeperHandler } from '../src/aws/handlers.js';
import { lambdaWiring } from '../src/aws/wiring.js';
import { parseEnvironment, sweeperEnvironment } from '../src/runtime/environment.js';
import { KinesisHeartbeats } from '../src/stream/kinesis-heartbeats.js';

// Cold start: a bad environment or workflow file fails here, once, with the reason in the log.
const env = parseEnvironment(sweeperEnvironment, process.env);
const { deps, clients, logger, metrics } = lambdaWiring('sweeper', env);

export const handler = sweeperHandler(
  {
    ...deps,
    heartbeats: new KinesisHeartbeats(clients.kinesis, env.STREAM_NAME),
    lagThresholdMs: env.LAG_THRESHOLD,
    lagSeverity: env.LAG_SEVERITY,
    streamName: env.STREAM_NAME,
    cache: {},
  },
  { everyMs: env.SWEEP_EVERY, safetyMarginMs: env.SAFETY_MARGIN },
  logger,
  metrics,
);
