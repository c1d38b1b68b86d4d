import type { Command } from 'commander';
import { traceLinker } from '../../alerts/trace-links.js';
import { loadWorkflowFile } from '../../workflow/load.js';
import { UsageError } from '../errors.js';
import { duration, type ExitCode, type Io, port, reach } from '../io.js';
import { openStore, tableName } from './trace.js';

interface ConsoleFlags {
  table?: string;
  config?: string;
  port?: string;
  host: string;
  allowRemote?: boolean;
  refresh?: string;
  traceUrl?: string;
}

export function registerConsole(program: Command, io: Io, done: (code: ExitCode) => void): void {
  program
    .command('console')
    .description(
      'a web view of live workflows, instance timelines, step latency and alerts, read from the table',
    )
    .option('--table <name>', 'the monitor table (default: OVERDUE_TABLE, else overdue-local)')
    .option(
      '-c, --config <file>',
      'the workflow file the monitor runs (default against overdue dev: the one it runs)',
    )
    .option('-p, --port <n>', 'port to listen on (default 8787; 0 picks a free one)')
    .option('--host <address>', 'address to bind (default 127.0.0.1: this machine only)', '127.0.0.1')
    .option('--allow-remote', 'allow a --host beyond this machine (the console has no login of its own)')
    .option('--refresh <duration>', 'how often the board refreshes (default 5s)')
    .option(
      '--trace-url <template>',
      'link trace IDs with this template ({traceId}, {region}); default: the X-Ray console',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ overdue console                                     # against overdue dev (it serves one already)
  $ OVERDUE_TABLE=overdue-prod-OverdueTable-1AB2 overdue console --config workflows.yml

It reads with your AWS credentials and never writes. Each board refresh costs a few read units:
the page footer and docs/console.md say how many.`,
    )
    .action(async (flags: ConsoleFlags) => done(await runConsole(flags, io)));
}

async function runConsole(flags: ConsoleFlags, io: Io): Promise<ExitCode> {
  const { checkBind, startConsole, RemoteBindError } = await import('../../console/start.js');
  try {
    checkBind(flags.host, flags.allowRemote === true);
  } catch (error) {
    throw error instanceof RemoteBindError ? new UsageError(error.message) : error;
  }
  const listenOn = port(flags.port, 8787, '--port');
  const refreshMs = duration(flags.refresh, '5s', '--refresh');
  const table = tableName(flags.table);
  const store = await openStore(table);
  let file = flags.config;
  if (file === undefined) {
    file = await reach(() => store.localConfig(), 'DynamoDB');
    if (file === undefined)
      throw new UsageError(
        `--config FILE is required: the workflow file the monitor with table ${table} runs`,
      );
  }
  const config = loadWorkflowFile(file);
  // One read before serving: no region, no credentials, no emulator or no such table is said here,
  // in a line, rather than on every page load.
  await reach(() => store.getIncidents(), 'DynamoDB').catch((error: unknown) => {
    if (/ResourceNotFoundException/.test(String(error)))
      throw new UsageError(`no table ${table} here: name the monitor's table with --table or OVERDUE_TABLE`);
    throw error;
  });
  let server: Awaited<ReturnType<typeof startConsole>>;
  try {
    server = await startConsole({
      store,
      config,
      traceLink: traceLinker({ template: flags.traceUrl, region: process.env.AWS_REGION }),
      host: flags.host,
      port: listenOn,
      allowRemote: flags.allowRemote === true,
      refreshMs,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new UsageError(
        `--port ${flags.port ?? 8787} is in use: pick another with --port, or 0 for a free one`,
      );
    throw error;
  }
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  io.out.write(`overdue console for table ${table}: ${server.url}\nCtrl-C stops it.\n`);
  await stopped;
  await server.close();
  return 0;
}
