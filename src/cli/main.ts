import { createReadStream, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseTime } from '../events/parse.js';
import { readLines } from '../replay/lines.js';
import { Replayer } from '../replay/replayer.js';
import { replayJson, replayReport } from '../replay/report.js';
import { parseDuration } from '../workflow/duration.js';
import { WorkflowFileError } from '../workflow/errors.js';
import { loadWorkflowFile } from '../workflow/load.js';
import { workflowFileJsonSchema } from '../workflow/schema.js';
import { UsageError } from './errors.js';
import { dev, quarantine, send, trace } from './local-commands.js';
import { ProgressBar } from './progress.js';
import { summarizeConfig } from './summary.js';

const HELP = `overdue: alerts when a workflow step silently never happens

Usage:
  overdue validate --config FILE
  overdue replay   --config FILE --events FILE|- [--at ISO-8601 | --drain] [--max-skew DURATION] [--json]
  overdue schema
  overdue dev      [--config FILE] [--no-demo] [--alerts FILE] [--kinesis-port N] [--dynamodb-port N]
                   [--sns-port N] [--sweep-every DURATION] [--max-skew DURATION]
  overdue send     --events FILE|- [--stream NAME]
  overdue trace    CORRELATION_ID [--workflow NAME] [--config FILE] [--table NAME]
  overdue quarantine list [--since DURATION] [--json] [--table NAME]

Commands:
  validate   check a workflow file; print a summary, or every problem with its line (exit 1)
  replay     run recorded events (NDJSON, any accepted shape) through the workflows
  schema     print the workflow file's JSON Schema
  dev        run the whole monitor on this machine (embedded DynamoDB and Kinesis emulators), with demo traffic
  send       put NDJSON events on a stream (default overdue-local), keyed by correlation ID
  trace      show a stored instance: timeline, gaps, deadlines, what is pending, alerts raised
  quarantine list the records the consumer set aside as invalid

send, trace and quarantine talk to AWS with the usual credentials, or to overdue dev through
AWS_ENDPOINT_URL_KINESIS / AWS_ENDPOINT_URL_DYNAMODB (dev prints them). trace and quarantine read
the table named by --table, else OVERDUE_TABLE, else overdue-local.

Exit codes: 0 ok, 1 invalid workflow file (trace: no such instance), 2 usage or input error,
3 some events could not be sent.
`;

/** Progress bars pay off only for inputs that take a while. */
const PROGRESS_MIN_BYTES = 16 * 1024 * 1024;

export async function main(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WriteStream = process.stderr,
): Promise<number> {
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'validate':
        return validate(rest, out);
      case 'replay':
        return await replay(rest, out, err);
      case 'dev':
        return await dev(rest, out);
      case 'send':
        return await send(rest, out);
      case 'trace':
        return await trace(rest, out);
      case 'quarantine':
        return await quarantine(rest, out);
      case 'schema':
        out.write(`${JSON.stringify(workflowFileJsonSchema(), null, 2)}\n`);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out.write(HELP);
        return 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}; run overdue --help`);
    }
  } catch (error) {
    if (error instanceof WorkflowFileError) {
      err.write(`${error.message}\n`);
      return 1;
    }
    if (error instanceof UsageError) {
      err.write(`overdue: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

function options<T extends Record<string, { type: 'string' | 'boolean' }>>(args: string[], spec: T) {
  try {
    return parseArgs({ args, options: spec, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function requireConfig(config: string | undefined): string {
  if (config === undefined)
    throw new UsageError('--config FILE is required (a workflow file, e.g. workflows.yml)');
  return config;
}

function validate(args: string[], out: NodeJS.WritableStream): number {
  const values = options(args, { config: { type: 'string' } });
  out.write(summarizeConfig(loadWorkflowFile(requireConfig(values.config))));
  return 0;
}

async function replay(args: string[], out: NodeJS.WritableStream, err: NodeJS.WriteStream): Promise<number> {
  const values = options(args, {
    config: { type: 'string' },
    events: { type: 'string' },
    at: { type: 'string' },
    drain: { type: 'boolean' },
    'max-skew': { type: 'string' },
    json: { type: 'boolean' },
  });
  let maxSkewMs: number | undefined;
  if (values['max-skew'] !== undefined) {
    maxSkewMs = parseDuration(values['max-skew']);
    if (maxSkewMs === undefined)
      throw new UsageError(`--max-skew: ${JSON.stringify(values['max-skew'])} is not a duration such as 2m`);
  }
  const config = loadWorkflowFile(requireConfig(values.config));
  if (values.events === undefined) throw new UsageError('--events FILE is required (NDJSON; - for stdin)');
  if (values.at !== undefined && values.drain) throw new UsageError('give --at or --drain, not both');
  let at: number | undefined;
  if (values.at !== undefined) {
    const parsed = parseTime(values.at);
    if (typeof parsed === 'string') throw new UsageError(`--at: ${parsed}`);
    at = parsed;
  }

  const fromStdin = values.events === '-';
  let size = 0;
  if (!fromStdin) {
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(values.events);
    } catch {
      throw new UsageError(`cannot read --events ${values.events}: file not found`);
    }
    if (!stats.isFile()) throw new UsageError(`cannot read --events ${values.events}: not a file`);
    size = stats.size;
  }
  // stdin has no size: its bar shows bytes read, once there are enough to be worth a bar.
  const bar = !err.isTTY
    ? undefined
    : fromStdin
      ? new ProgressBar(undefined, err, Date.now, PROGRESS_MIN_BYTES)
      : size >= PROGRESS_MIN_BYTES
        ? new ProgressBar(size, err)
        : undefined;
  const input = fromStdin ? process.stdin : createReadStream(values.events, { highWaterMark: 1 << 20 });
  const replayer = new Replayer(config, maxSkewMs === undefined ? {} : { maxSkewMs });
  try {
    for await (const line of readLines(input, bar && ((n) => bar.advance(n)))) replayer.push(line);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new UsageError(`cannot read --events ${values.events}: ${code}`);
  } finally {
    bar?.finish();
  }

  const result = replayer.finish({ ...(at === undefined ? {} : { at }), drain: values.drain === true });
  const title = `overdue replay: ${values.events} against ${config.file}`;
  out.write(values.json ? replayJson(result) : replayReport(result, title));
  return 0;
}
