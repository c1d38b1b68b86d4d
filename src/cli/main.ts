import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { WorkflowFileError } from '../workflow/errors.js';
import { registerConsole } from './commands/console.js';
import { registerDashboard } from './commands/dashboard.js';
import { registerDev } from './commands/dev.js';
import { registerDiscover } from './commands/discover.js';
import { registerQuarantine } from './commands/quarantine.js';
import { registerReplay } from './commands/replay.js';
import { registerSchema } from './commands/schema.js';
import { registerSend } from './commands/send.js';
import { registerSilence } from './commands/silence.js';
import { registerStats } from './commands/stats.js';
import { registerTrace } from './commands/trace.js';
import { registerValidate } from './commands/validate.js';
import { UsageError } from './errors.js';
import type { ExitCode, Io } from './io.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * The command line, on commander (zero dependencies, typed, the most used Node CLI framework; it
 * gives help per command, `--version`, and "did you mean" for commands and options). One command a
 * file under `commands/`. User errors go to stderr as one line, never a stack trace.
 */
export async function main(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WriteStream = process.stderr,
): Promise<number> {
  const io: Io = { out, err };
  let code: ExitCode = 0;
  const done = (c: ExitCode) => {
    code = c;
  };
  const program = new Command('overdue')
    .description('overdue: alerts when a workflow step silently never happens')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => out.write(text),
      writeErr: (text) => err.write(text),
      outputError: (text, write) => write(text.replace(/^error: /, 'overdue: ')),
    })
    .addHelpText(
      'after',
      `
send, trace and quarantine talk to AWS with the usual credentials, or to overdue dev through
AWS_ENDPOINT_URL_KINESIS / AWS_ENDPOINT_URL_DYNAMODB (dev prints them). trace and quarantine read
the table named by --table, else OVERDUE_TABLE, else overdue-local.

Exit codes: 0 ok, 1 invalid workflow file (trace: no such instance), 2 usage or input error,
3 some events could not be sent, 4 replay raised alerts of a --fail-on kind.
Run overdue <command> --help for a command's options and examples.`,
    );
  for (const register of [
    registerValidate,
    registerReplay,
    registerStats,
    registerDiscover,
    registerSchema,
    registerDev,
    registerSend,
    registerTrace,
    registerQuarantine,
    registerDashboard,
    registerSilence,
    registerConsole,
  ]) {
    register(program, io, done);
  }
  // Subcommands made with .command() inherit the output, exit and suggestion settings above.

  if (argv.length === 0) {
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are answers, not errors; everything else commander refuses is usage.
      return error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.exitCode === 0
        ? 0
        : 2;
    }
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
