import { createReadStream, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { sendEvents } from '../../packages/producer/src/send.js';
import { iso } from '../engine/alert.js';
import { type DevOptions, LOCAL_NAME, readyBanner, startDev } from '../local/dev.js';
import { readLines } from '../replay/lines.js';
import { DynamoDbStore } from '../store/dynamodb-store.js';
import { instancePk } from '../store/keys.js';
import { parseDuration } from '../workflow/duration.js';
import { loadWorkflowFile } from '../workflow/load.js';
import { UsageError } from './errors.js';
import { traceReport } from './trace-report.js';

type Out = NodeJS.WritableStream & { isTTY?: boolean };

export const DEMO_WORKFLOWS = fileURLToPath(new URL('../../examples/demo-workflows.yml', import.meta.url));
const DEMO_NEEDS = ['order-fulfilment', 'user-signup'];

type Spec = Record<string, { type: 'string' | 'boolean' }>;

function parse(
  args: string[],
  options: Spec,
  positionals = 0,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: positionals > 0 });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[positionals])}`);
  }
  return {
    values: parsed.values as Record<string, string | boolean | undefined>,
    positionals: parsed.positionals,
  };
}

function port(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`${flag}: ${JSON.stringify(value)} is not a port number`);
  return n;
}

function duration(value: string | undefined, fallback: string, flag: string): number {
  const ms = parseDuration(value ?? fallback);
  if (ms === undefined || ms <= 0)
    throw new UsageError(`${flag}: ${JSON.stringify(value)} is not a duration such as 2s or 500ms`);
  return ms;
}

/** `overdue dev`: runs until SIGINT or SIGTERM, then stops everything it started. */
export async function dev(args: string[], out: Out): Promise<number> {
  const { values } = parse(args, {
    config: { type: 'string' },
    'no-demo': { type: 'boolean' },
    alerts: { type: 'string' },
    'kinesis-port': { type: 'string' },
    'dynamodb-port': { type: 'string' },
    'sns-port': { type: 'string' },
    'sweep-every': { type: 'string' },
    'max-skew': { type: 'string' },
  });
  const configFile = (values.config as string | undefined) ?? DEMO_WORKFLOWS;
  let demo = values['no-demo'] !== true;
  const config = loadWorkflowFile(configFile); // a bad file fails here, before anything starts
  const lacking = DEMO_NEEDS.filter((w) => !config.workflows.has(w));
  if (demo && lacking.length > 0) {
    out.write(
      `Demo traffic is off: it plays examples/demo-workflows.yml, and ${configFile} has no ${lacking.join(' or ')}.\n`,
    );
    demo = false;
  }
  const options: DevOptions = {
    configFile,
    demo,
    alertsFile: values.alerts as string | undefined,
    kinesisPort: port(values['kinesis-port'] as string | undefined, 4567, '--kinesis-port'),
    dynamodbPort: port(values['dynamodb-port'] as string | undefined, 8000, '--dynamodb-port'),
    snsPort: port(values['sns-port'] as string | undefined, 0, '--sns-port'),
    sweepEveryMs: duration(values['sweep-every'] as string | undefined, '2s', '--sweep-every'),
    maxSkewMs: duration(values['max-skew'] as string | undefined, '2m', '--max-skew'),
    print: (text) => out.write(`${text}\n`),
    color: out.isTTY === true && !process.env.NO_COLOR,
  };
  let mode: Awaited<ReturnType<typeof startDev>>;
  try {
    mode = await startDev(options);
  } catch (error) {
    const message = (error as Error).message;
    if (/ in use: /.test(message)) throw new UsageError(message);
    throw error;
  }
  out.write(readyBanner(mode, options));
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  out.write('\nstopping…\n');
  await mode.stop();
  out.write(`stopped: ${mode.alerts.length} alerts published.\n`);
  return 0;
}

/** `overdue send`: NDJSON events onto a stream, local or on AWS (the endpoint comes from the SDK's variables). */
export async function send(args: string[], out: Out): Promise<number> {
  const { values } = parse(args, { events: { type: 'string' }, stream: { type: 'string' } });
  const file = values.events as string | undefined;
  if (file === undefined) throw new UsageError('--events FILE is required (NDJSON; - for stdin)');
  if (file !== '-' && !existsSync(file)) throw new UsageError(`cannot read --events ${file}: file not found`);
  const stream = (values.stream as string | undefined) ?? LOCAL_NAME;
  const client = new KinesisClient({ requestHandler: new NodeHttpHandler() });
  const input = file === '-' ? process.stdin : createReadStream(file);
  let sent = 0;
  let blank = 0;
  let lineNo = 0;
  const failed: { line: number; error: string }[] = [];
  let chunk: string[] = [];
  let numbers: number[] = []; // each chunk line's number in the input, for the report
  const flush = async () => {
    const result = await reach(() => sendEvents(client, stream, chunk), 'Kinesis');
    sent += result.sent;
    failed.push(...result.failed.map((f) => ({ line: numbers[f.line - 1] as number, error: f.error })));
    chunk = [];
    numbers = [];
  };
  for await (const line of readLines(input)) {
    lineNo++;
    if (line.trim() === '') {
      blank++;
      continue;
    }
    chunk.push(line);
    numbers.push(lineNo);
    if (chunk.length === 5000) await flush();
  }
  if (chunk.length > 0) await flush();
  client.destroy();
  out.write(`sent ${sent} events to ${stream}${blank > 0 ? ` (${blank} blank lines skipped)` : ''}\n`);
  if (failed.length === 0) return 0;
  out.write(`${failed.length} could not be sent after retries:\n`);
  for (const f of failed.slice(0, 20)) out.write(`  line ${f.line}: ${f.error}\n`);
  if (failed.some((f) => f.error.includes('ECONNREFUSED'))) {
    out.write(
      'Nothing listens there: is `overdue dev` running, and AWS_ENDPOINT_URL_KINESIS set to its endpoint?\n',
    );
  }
  return 3;
}

/** `overdue trace <correlationId>`: the stored instance, explained. */
export async function trace(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parse(
    args,
    { workflow: { type: 'string' }, config: { type: 'string' }, table: { type: 'string' } },
    1,
  );
  const correlationId = positionals[0];
  if (correlationId === undefined)
    throw new UsageError('give the correlation ID: overdue trace o-17 --config workflows.yml');
  const config = loadWorkflowFile((values.config as string | undefined) ?? DEMO_WORKFLOWS);
  const workflows = values.workflow ? [values.workflow as string] : [...config.workflows.keys()];
  const store = new DynamoDbStore(new DynamoDBClient({}), table(values.table));
  const found = await reach(
    () =>
      store.getInstances(
        workflows.map((w) => instancePk(w, correlationId)),
        { consistent: true },
      ),
    'DynamoDB',
  );
  if (found.size === 0) {
    out.write(`no instance ${correlationId} of ${workflows.join(', ')} in table ${table(values.table)}\n`);
    return 1;
  }
  const now = Date.now();
  out.write(
    [...found.values()].map((s) => traceReport(s, config.workflows.get(s.instance.wf), now)).join('\n'),
  );
  return 0;
}

/** `overdue quarantine list`: invalid records the consumer set aside, newest last. */
export async function quarantine(args: string[], out: Out): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'list')
    throw new UsageError('usage: overdue quarantine list [--since DURATION] [--json] [--table NAME]');
  const { values } = parse(rest, {
    since: { type: 'string' },
    json: { type: 'boolean' },
    table: { type: 'string' },
  });
  const since = duration(values.since as string | undefined, '1h', '--since');
  const now = Date.now();
  const store = new DynamoDbStore(new DynamoDBClient({}), table(values.table));
  const entries = await reach(() => store.listQuarantine(now - since, now), 'DynamoDB');
  if (values.json) {
    out.write(`${JSON.stringify(entries, null, 2)}\n`);
    return 0;
  }
  if (entries.length === 0) {
    out.write('no quarantined records in that time\n');
    return 0;
  }
  for (const e of entries) {
    const payload =
      e.payload !== undefined
        ? JSON.stringify(e.payload.length > 120 ? `${e.payload.slice(0, 117)}...` : e.payload)
        : `(binary, ${e.bytes} bytes, base64 in --json)`;
    out.write(`${iso(e.arrival)}  ${e.reason.padEnd(16)} ${e.shardId}  seq ${e.sequenceNumber}\n`);
    out.write(
      `  ${e.message}\n  ${payload}${e.truncated ? ` (first 300,000 of ${e.bytes} bytes kept)` : ''}\n`,
    );
  }
  out.write(`${entries.length} quarantined records\n`);
  return 0;
}

const table = (flag: unknown) => (flag as string | undefined) ?? process.env.OVERDUE_TABLE ?? LOCAL_NAME;

/** AWS calls from the command line: a missing region or an endpoint nobody listens on get a plain answer. */
async function reach<T>(call: () => Promise<T>, service: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const e = error as Error & { code?: string; cause?: { code?: string } };
    const text = `${e.name}: ${e.message}`;
    if (/Region is missing/i.test(text)) {
      throw new UsageError('no AWS region: set AWS_REGION (overdue dev prints the variables to set)');
    }
    if (/Could not load credentials|CredentialsProviderError/i.test(text)) {
      throw new UsageError(
        'no AWS credentials: set them as usual, or for overdue dev AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local',
      );
    }
    if (/ECONNREFUSED/.test(text) || e.code === 'ECONNREFUSED' || e.cause?.code === 'ECONNREFUSED') {
      throw new UsageError(
        `cannot reach ${service}: is \`overdue dev\` running, and AWS_ENDPOINT_URL_${service.toUpperCase()} set to its endpoint?`,
      );
    }
    throw error;
  }
}
