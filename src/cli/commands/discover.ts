import { createReadStream } from 'node:fs';
import type { Command } from 'commander';
import { discover, toYaml } from '../../discover/discover.js';
import { readUnconfigured } from '../../events/parse.js';
import { readLineBatches } from '../../replay/lines.js';
import { parseWorkflowFile } from '../../workflow/load.js';
import { type ExitCode, eventsFile, type Io, required } from '../io.js';

export function registerDiscover(program: Command, io: Io, done: (code: ExitCode) => void): void {
  program
    .command('discover')
    .description(
      'propose a workflow file from recorded events that have none: steps, order, optionality, counts, deadlines',
    )
    .option('-e, --events <file>', 'NDJSON events, one per line; - reads stdin (required)')
    .option('--json', 'print the proposal as JSON instead of a workflow file')
    .addHelpText(
      'after',
      `
Examples:
  $ overdue discover --events last-week.ndjson > workflows.yml
  $ overdue replay --config workflows.yml --events last-week.ndjson --drain   # what it would have raised`,
    )
    .action(async (options: { events?: string; json?: boolean }) => {
      const events = required(options.events, '--events FILE is required (NDJSON; - for stdin)');
      eventsFile(events);
      const read = [];
      let lines = 0;
      const input = events === '-' ? process.stdin : createReadStream(events, { highWaterMark: 1 << 20 });
      for await (const batch of readLineBatches(input)) {
        for (const line of batch) {
          if (line.trim() === '') continue;
          lines++;
          const event = readUnconfigured(line);
          if (event) read.push(event);
        }
      }
      if (read.length === 0) {
        io.err.write(
          `overdue: none of the ${lines} lines of ${events} is a telemetry event: nothing to learn from\n`,
        );
        return done(2);
      }
      const { workflows: proposals, skipped } = discover(read);
      if (proposals.length === 0) {
        io.err.write(`overdue: no workflow in ${events} has enough instances to learn from\n`);
        for (const s of skipped) io.err.write(`  ${s}\n`);
        return done(2);
      }
      const yaml = toYaml(proposals, `${read.length} events of ${events}`);
      // What it proposes must be a valid file: a failure here is overdue's bug, not the user's.
      parseWorkflowFile(yaml, 'discovered.yml');
      io.out.write(
        options.json
          ? `${JSON.stringify({ events: read.length, workflows: proposals, skipped }, null, 2)}\n`
          : yaml,
      );
      if (read.length < lines)
        io.err.write(`overdue: ${lines - read.length} of ${lines} lines were not events and were skipped\n`);
      for (const s of skipped) io.err.write(`overdue: left out ${s}\n`);
      done(0);
    });
}
