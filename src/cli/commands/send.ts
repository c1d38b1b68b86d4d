import { createReadStream, existsSync } from 'node:fs';
import type { Command } from 'commander';
import { LOCAL_NAME } from '../../local/names.js';
import { readLines } from '../../replay/lines.js';
import { UsageError } from '../errors.js';
import { type ExitCode, type Io, reach, required } from '../io.js';

export function registerSend(program: Command, io: Io, done: (code: ExitCode) => void): void {
  program
    .command('send')
    .description(
      'put NDJSON events on a stream, keyed by correlation ID, refused records retried with backoff',
    )
    .option('-e, --events <file>', 'NDJSON events, one per line; - reads stdin (required)')
    .option('--stream <name>', 'the telemetry stream', LOCAL_NAME)
    .addHelpText(
      'after',
      `
Examples:
  $ overdue send --events events.ndjson                 # to overdue dev (AWS_ENDPOINT_URL_KINESIS)
  $ overdue send --events events.ndjson --stream prod-telemetry

Exit codes: 0 all sent, 2 usage error (no region, nothing listening), 3 some events could not be sent.`,
    )
    .action(async (options: { events?: string; stream: string }) =>
      done(
        await send(
          { ...options, events: required(options.events, '--events FILE is required (NDJSON; - for stdin)') },
          io,
        ),
      ),
    );
}

async function send(options: { events: string; stream: string }, io: Io): Promise<ExitCode> {
  const file = options.events;
  if (file !== '-' && !existsSync(file)) throw new UsageError(`cannot read --events ${file}: file not found`);
  // Loaded when used, so that the commands that need no AWS SDK start quickly.
  const [{ KinesisClient }, { httpHandler }, { sendEvents }] = await Promise.all([
    import('@aws-sdk/client-kinesis'),
    import('../../aws/clients.js'),
    import('../../../packages/producer/src/send.js'),
  ]);
  const client = new KinesisClient({ requestHandler: httpHandler() });
  // Before reading anything: a missing region is a usage error, not a failure of every record.
  await reach(() => client.config.region(), 'Kinesis');
  const input = file === '-' ? process.stdin : createReadStream(file);
  let sent = 0;
  let blank = 0;
  let lineNo = 0;
  const failed: { line: number; error: string }[] = [];
  let chunk: string[] = [];
  let numbers: number[] = []; // each chunk line's number in the input, for the report
  const flush = async () => {
    const result = await reach(() => sendEvents(client, options.stream, chunk), 'Kinesis');
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
  io.out.write(
    `sent ${sent} events to ${options.stream}${blank > 0 ? ` (${blank} blank lines skipped)` : ''}\n`,
  );
  if (failed.length === 0) return 0;
  io.err.write(`${failed.length} could not be sent after retries:\n`);
  for (const f of failed.slice(0, 20)) io.err.write(`  line ${f.line}: ${f.error}\n`);
  if (failed.some((f) => f.error.includes('ECONNREFUSED'))) {
    io.err.write(
      'Nothing listens there: is `overdue dev` running, and AWS_ENDPOINT_URL_KINESIS set to its endpoint?\n',
    );
  }
  return 3;
}
