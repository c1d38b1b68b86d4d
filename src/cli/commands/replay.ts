import { createReadStream, statSync } from 'node:fs';
import type { Command } from 'commander';
import { ALERT_KINDS, type AlertKind } from '../../engine/alert.js';
import { parseTime } from '../../events/parse.js';
import { readLineBatches } from '../../replay/lines.js';
import { Replayer } from '../../replay/replayer.js';
import { HumanReport, JsonReport } from '../../replay/report.js';
import { parseDuration } from '../../workflow/duration.js';
import { loadWorkflowFile } from '../../workflow/load.js';
import { didYouMean } from '../../workflow/suggest.js';
import { UsageError } from '../errors.js';
import { type ExitCode, type Io, required } from '../io.js';
import { ProgressBar } from '../progress.js';

/** Progress bars pay off only for inputs that take a while. */
const PROGRESS_MIN_BYTES = 16 * 1024 * 1024;

interface ReplayOptions {
  config?: string;
  events?: string;
  at?: string;
  drain?: boolean;
  maxSkew?: string;
  json?: boolean;
  all?: boolean;
  failOn?: string;
}

export function registerReplay(program: Command, io: Io, done: (code: ExitCode) => void): void {
  program
    .command('replay')
    .description(
      'run recorded events (NDJSON, any accepted shape) through the workflows: the offline twin of the runtime',
    )
    .option('-c, --config <file>', 'the workflow file (required)')
    .option('-e, --events <file>', 'NDJSON events, one per line; - reads stdin (required)')
    .option('--at <time>', 'at the end, move observed time to this ISO-8601 time')
    .option('--drain', 'at the end, move observed time past every pending deadline')
    .option('--max-skew <duration>', 'refuse event times beyond the latest so far plus this (e.g. 2m)')
    .option('--json', 'print the contract §6 document (compact, one alert per line; indented on a terminal)')
    .option('--all', 'list every alert in the report, not the first few of each kind')
    .option('--fail-on <kinds>', `exit 4 when alerts of these kinds are raised (comma-separated, or "any")`)
    .addHelpText(
      'after',
      `
Examples:
  $ overdue replay --config workflows.yml --events events.ndjson --drain
  $ cat events.ndjson | overdue replay --config workflows.yml --events - --json > report.json
  $ overdue replay -c workflows.yml -e scenario.ndjson --drain --fail-on step_overdue,workflow_timed_out

Exit codes: 0 ok, 1 invalid workflow file, 2 usage error or no valid event at all,
4 alerts of a --fail-on kind were raised.`,
    )
    .action(async (options: ReplayOptions) => done(await replay(options, io)));
}

async function replay(options: ReplayOptions, io: Io): Promise<ExitCode> {
  const configFile = required(
    options.config,
    '--config FILE is required (a workflow file, e.g. workflows.yml)',
  );
  const events = required(options.events, '--events FILE is required (NDJSON; - for stdin)');
  if (options.at !== undefined && options.drain) throw new UsageError('give --at or --drain, not both');
  let at: number | undefined;
  if (options.at !== undefined) {
    const parsed = parseTime(options.at);
    if (typeof parsed === 'string') throw new UsageError(`--at: ${parsed}`);
    at = parsed;
  }
  let maxSkewMs: number | undefined;
  if (options.maxSkew !== undefined) {
    maxSkewMs = parseDuration(options.maxSkew);
    if (maxSkewMs === undefined)
      throw new UsageError(`--max-skew: ${JSON.stringify(options.maxSkew)} is not a duration such as 2m`);
  }
  const failOn = failOnKinds(options.failOn);
  const fromStdin = events === '-';
  let size = 0;
  if (!fromStdin) {
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(events);
    } catch {
      throw new UsageError(`cannot read --events ${events}: file not found`);
    }
    if (!stats.isFile()) throw new UsageError(`cannot read --events ${events}: not a file`);
    size = stats.size;
  }
  const config = loadWorkflowFile(configFile);

  const json = options.json ? new JsonReport(io.out, io.out.isTTY === true) : undefined;
  const human = options.json ? undefined : new HumanReport(options.all === true);
  let failing = 0;
  const onAlert = (alert: Parameters<HumanReport['alert']>[0]) => {
    if (failOn?.has(alert.kind)) failing++;
    (json ?? (human as HumanReport)).alert(alert);
  };
  const replayer = new Replayer(config, { ...(maxSkewMs === undefined ? {} : { maxSkewMs }), onAlert });
  // stdin has no size: its bar shows bytes read, once there are enough to be worth a bar.
  const err = io.err as NodeJS.WriteStream;
  const bar = !err.isTTY
    ? undefined
    : fromStdin
      ? new ProgressBar(undefined, err, Date.now, PROGRESS_MIN_BYTES)
      : size >= PROGRESS_MIN_BYTES
        ? new ProgressBar(size, err)
        : undefined;
  const input = fromStdin ? process.stdin : createReadStream(events, { highWaterMark: 1 << 20 });
  try {
    for await (const lines of readLineBatches(input, bar && ((n) => bar.advance(n)))) {
      for (const line of lines) replayer.push(line);
      if (json?.full) await json.flush();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new UsageError(`cannot read --events ${events}: ${code}`);
  } finally {
    bar?.finish();
  }

  const result = replayer.finish({ ...(at === undefined ? {} : { at }), drain: options.drain === true });
  if (json) await json.finish(result);
  else
    io.out.write((human as HumanReport).render(result, `overdue replay: ${events} against ${config.file}`));

  const { stats } = result;
  if (stats.lines > 0 && stats.invalid === stats.lines) {
    io.err.write(
      `overdue: none of the ${stats.lines} lines of ${events} is a valid event (${Object.keys(stats.invalidByReason).join(', ')}): is it an NDJSON file of telemetry events for this workflow file?\n`,
    );
    return 2;
  }
  if (failing > 0) {
    io.err.write(
      `overdue: ${failing} alert${failing === 1 ? '' : 's'} of --fail-on ${options.failOn} raised\n`,
    );
    return 4;
  }
  return 0;
}

function failOnKinds(value: string | undefined): ReadonlySet<AlertKind> | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === 'any') return new Set(ALERT_KINDS);
  const kinds = value
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  for (const kind of kinds) {
    if (!(ALERT_KINDS as readonly string[]).includes(kind)) {
      throw new UsageError(
        `--fail-on: ${JSON.stringify(kind)} is not an alert kind.${didYouMean(kind, ALERT_KINDS)} Kinds: ${ALERT_KINDS.join(', ')}, or any`,
      );
    }
  }
  if (kinds.length === 0) throw new UsageError('--fail-on: name at least one alert kind, or any');
  return new Set(kinds as AlertKind[]);
}
