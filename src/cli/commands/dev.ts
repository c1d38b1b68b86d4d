import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { ConsoleStore } from '../../console/data.js';
import type { DevOptions } from '../../local/dev.js';
import { loadWorkflowFile } from '../../workflow/load.js';
import type { WorkflowConfig } from '../../workflow/model.js';
import { UsageError } from '../errors.js';
import { duration, type ExitCode, type Io, port } from '../io.js';

const DEMO_WORKFLOWS = fileURLToPath(new URL('../../../examples/demo-workflows.yml', import.meta.url));
const DEMO_NEEDS = ['order-fulfilment', 'user-signup'];

interface DevFlags {
  config?: string;
  demo: boolean;
  alerts?: string;
  kinesisPort?: string;
  dynamodbPort?: string;
  snsPort?: string;
  sweepEvery?: string;
  maxSkew?: string;
  console: boolean;
  consolePort?: string;
}

export function registerDev(program: Command, io: Io, done: (code: ExitCode) => void): void {
  program
    .command('dev')
    .description(
      'run the whole monitor on this machine (embedded DynamoDB and Kinesis emulators), with demo traffic',
    )
    .option('-c, --config <file>', 'the workflow file (default: the demo workflows)')
    .option('--no-demo', 'no demo traffic')
    .option('--alerts <file>', 'append each alert record to this file as NDJSON')
    .option('--kinesis-port <n>', 'Kinesis emulator port (default 4567; 0 picks a free one)')
    .option('--dynamodb-port <n>', 'DynamoDB emulator port (default 8000; 0 picks a free one)')
    .option('--sns-port <n>', 'local SNS endpoint port (default: a free one)')
    .option('--sweep-every <duration>', 'how often the sweeper runs (default 2s)')
    .option('--max-skew <duration>', 'how far ahead of its arrival an event time may be (default 2m)')
    .option('--no-console', 'do not serve the web console')
    .option('--console-port <n>', 'the web console port (default 8787, else a free one; 0 picks a free one)')
    .addHelpText(
      'after',
      `
Examples:
  $ overdue dev                                   # the demo: alerts within seconds
  $ overdue dev --config workflows.yml --no-demo  # your workflows, your traffic (overdue send)

Ctrl-C stops it and everything it started.`,
    )
    .action(async (flags: DevFlags) => done(await dev(flags, io)));
}

async function dev(flags: DevFlags, io: Io): Promise<ExitCode> {
  const configFile = flags.config ?? DEMO_WORKFLOWS;
  let demo = flags.demo;
  const config = loadWorkflowFile(configFile); // a bad file fails here, before anything starts
  const lacking = DEMO_NEEDS.filter((w) => !config.workflows.has(w));
  if (demo && lacking.length > 0) {
    io.out.write(
      `Demo traffic is off: it plays examples/demo-workflows.yml, and ${configFile} has no ${lacking.join(' or ')}.\n`,
    );
    demo = false;
  }
  const options: DevOptions = {
    configFile,
    demo,
    alertsFile: flags.alerts,
    kinesisPort: port(flags.kinesisPort, 4567, '--kinesis-port'),
    dynamodbPort: port(flags.dynamodbPort, 8000, '--dynamodb-port'),
    snsPort: port(flags.snsPort, 0, '--sns-port'),
    sweepEveryMs: duration(flags.sweepEvery, '2s', '--sweep-every'),
    maxSkewMs: duration(flags.maxSkew, '2m', '--max-skew'),
    print: (text) => io.out.write(`${text}\n`),
    color: io.out.isTTY === true && !process.env.NO_COLOR,
  };
  // Loaded when used: the emulators and SDK clients would slow every other command's start.
  const { readyBanner, startDev } = await import('../../local/dev.js');
  let mode: Awaited<ReturnType<typeof startDev>>;
  try {
    mode = await startDev(options);
  } catch (error) {
    const message = (error as Error).message;
    if (/ in use: /.test(message)) throw new UsageError(message);
    throw error;
  }
  const web = flags.console
    ? await serveConsole(mode, port(flags.consolePort, 8787, '--console-port'))
    : undefined;
  // Ctrl-C is handled before the banner says so: a pipe takes the banner synchronously, so whoever
  // reads it may signal before the next statement runs.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  io.out.write(readyBanner(mode, options, web?.url));
  await stopped;
  io.out.write('\nstopping…\n');
  await web?.close();
  await mode.stop();
  io.out.write(`stopped: ${mode.alerts.length} alerts published.\n`);
  return 0;
}

/** The console over dev's own table; on a taken default port, a free one rather than no console. */
async function serveConsole(mode: { store: ConsoleStore; config: WorkflowConfig }, wanted: number) {
  const { startConsole } = await import('../../console/start.js');
  const start = (p: number) =>
    startConsole({
      store: mode.store,
      config: mode.config,
      traceLink: () => undefined,
      host: '127.0.0.1',
      port: p,
    });
  try {
    return await start(wanted);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE' && wanted !== 0) return start(0);
    throw error;
  }
}
