import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { DURATION_HINT, parseDuration } from '../workflow/duration.js';
import { SEVERITIES } from '../workflow/schema.js';

/** A Lambda's environment is missing or wrong: the message lists every variable at fault. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined)
        ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)}: ${DURATION_HINT}` });
      return ms ?? 0;
    });

const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .default('false')
  .transform((v) => v === 'true' || v === '1');

const required = (what: string) => z.string({ error: `set it to ${what}` }).min(1, `set it to ${what}`);

const common = {
  TABLE_NAME: required('the DynamoDB table name'),
  TOPIC_ARN: required('the alert topic ARN'),
  /** Path of the bundled workflow file, relative to the function's root. */
  WORKFLOWS_FILE: z.string().default('workflows.yml'),
  /** CloudWatch namespace of the custom metrics: one per stack, so each stack's alarms see only its own. */
  METRICS_NAMESPACE: z.string().min(1).default('overdue'),
  /** Trace links in alerts: a URL template with {traceId} and {region}; empty: the X-Ray console. */
  TRACE_URL: z.string().optional(),
  /** Set by Lambda. */
  AWS_REGION: z.string().optional(),
};

export const consumerEnvironment = z.object({
  ...common,
  QUARANTINE_RETENTION: duration('14d'),
  /** Put quarantined payloads in the logs too. Off: payloads may hold personal data. */
  LOG_PAYLOADS: flag,
  /** How far ahead of its arrival an event time may be (contract §1, time bounds). */
  MAX_SKEW: duration('2m'),
});

export const sweeperEnvironment = z
  .object({
    ...common,
    STREAM_NAME: required('the telemetry stream name'),
    LAG_THRESHOLD: duration('5m'),
    LAG_SEVERITY: z.enum(SEVERITIES).default('high'),
    /** Sweep this often inside one invocation (e.g. 10s); the default sweeps once per invocation. */
    SWEEP_EVERY: duration('0s'),
    /** Stop taking work this long before the Lambda timeout. */
    SAFETY_MARGIN: duration('5s'),
    /** Wait up to this long for the consumer to fold each sweep's own heartbeats before judging. */
    AWAIT_HEARTBEATS: duration('0s'),
    /** The schedule's period (serverless.yml: rate(1 minute)); the timeout must be longer. */
    SCHEDULE_EVERY: duration('1m'),
    /** Partitions of the wake-up index; a change starts a new index epoch (docs/table-layout.md). */
    INDEX_SHARDS: z.coerce.number().int().min(1).max(1000).default(16),
    /** More than 1: the index partitions are fanned out to this many invocations of SWEEP_WORKER. */
    SWEEP_WORKERS: z.coerce.number().int().min(1).max(100).default(1),
    SWEEP_WORKER: z.string().min(1).optional(),
  })
  .refine((env) => env.SWEEP_WORKERS === 1 || env.SWEEP_WORKER !== undefined, {
    message: 'SWEEP_WORKERS above 1 needs SWEEP_WORKER, the worker function name',
    path: ['SWEEP_WORKER'],
  });

/** A sweep worker reads the table and publishes alerts; the coordinator gives it T. */
export const sweepWorkerEnvironment = z.object({
  ...common,
  SWEEP_EVERY: duration('0s'),
  SAFETY_MARGIN: duration('5s'),
});

export function parseEnvironment<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => {
    const name = i.path.join('.');
    const got = env[name];
    return `  ${name}: ${got === undefined ? 'not set' : `${JSON.stringify(got)} is invalid`}: ${i.message}`;
  });
  throw new ConfigurationError(`invalid environment\n${lines.join('\n')}`);
}

/** The bundled workflow file: relative paths are from the function's root, where it was packaged. */
export function workflowsPath(file: string, env: Record<string, string | undefined>): string {
  return isAbsolute(file) ? file : resolve(env.LAMBDA_TASK_ROOT ?? process.cwd(), file);
}
