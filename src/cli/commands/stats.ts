import { createReadStream } from 'node:fs';
import type { Command } from 'commander';
import { readLineBatches } from '../../replay/lines.js';
import { Replayer } from '../../replay/replayer.js';
import { formatStats, StatsCollector } from '../../replay/stats.js';
import { loadWorkflowFile } from '../../workflow/load.js';
import { UsageError } from '../errors.js';
import { type ExitCode, eventsFile, type Io, required } from '../io.js';

interface StatsOptions {
  config?: string;
  events?: string;
  json?: boolean;
  suggest?: boolean;
}

export function registerStats(program: Command, io: Io, done: (code: ExitCode) => void): void {
  program
    .command('stats')
    .description(
      'behaviour from recorded events, per workflow and step: latency percentiles cold and warm, attempts, failures, outcomes',
    )
    .option('-c, --config <file>', 'the workflow file (required)')
    .option('-e, --events <file>', 'NDJSON events, one per line; - reads stdin (required)')
    .option('--suggest', "propose `within` and `deadline` from the observed tails, beside the file's")
    .option('--json', 'print the figures as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ overdue stats --config workflows.yml --events last-week.ndjson
  $ overdue stats -c workflows.yml -e last-week.ndjson --suggest --json`,
    )
    .action(async (options: StatsOptions) => done(await stats(options, io)));
}

async function stats(options: StatsOptions, io: Io): Promise<ExitCode> {
  const configFile = required(
    options.config,
    '--config FILE is required (a workflow file, e.g. workflows.yml)',
  );
  const events = required(options.events, '--events FILE is required (NDJSON; - for stdin)');
  eventsFile(events);
  const config = loadWorkflowFile(configFile);
  const collector = new StatsCollector(config);
  // Alerts are not what this command is for: they are counted by replay, not kept here.
  const replayer = new Replayer(config, { onAlert: () => {}, onEvent: collector.event });
  const input = events === '-' ? process.stdin : createReadStream(events, { highWaterMark: 1 << 20 });
  try {
    for await (const lines of readLineBatches(input)) for (const line of lines) replayer.push(line);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new UsageError(`cannot read --events ${events}: ${code}`);
  }
  const result = replayer.finish({ drain: true });
  if (result.stats.events === 0) {
    io.err.write(`overdue: no valid event in ${events} for ${config.file}: nothing to measure\n`);
    return 2;
  }
  const rows = collector.finish(result.instances, { suggest: options.suggest === true });
  if (options.json)
    io.out.write(
      `${JSON.stringify({ file: config.file, events: result.stats.events, workflows: rows }, null, 2)}\n`,
    );
  else io.out.write(formatStats(rows, { suggest: options.suggest === true }));
  return 0;
}
