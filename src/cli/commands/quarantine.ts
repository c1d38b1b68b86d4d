import type { Command } from 'commander';
import { iso } from '../../engine/alert.js';
import { duration, type ExitCode, type Io, reach } from '../io.js';
import { openStore, tableName } from './trace.js';

export function registerQuarantine(program: Command, io: Io, done: (code: ExitCode) => void): void {
  const quarantine = program
    .command('quarantine')
    .description('the records the consumer set aside as invalid, and why');
  quarantine
    .command('list')
    .description('list quarantined records with reason, shard, sequence number and payload')
    .option('--since <duration>', 'how far back (default 1h)')
    .option('--json', 'print them as JSON (binary payloads in base64)')
    .option('--table <name>', 'the monitor table (default: OVERDUE_TABLE, else overdue-local)')
    .addHelpText('after', '\nExample:\n  $ overdue quarantine list --since 10m')
    .action(async (options: { since?: string; json?: boolean; table?: string }) =>
      done(await list(options, io)),
    );
}

async function list(options: { since?: string; json?: boolean; table?: string }, io: Io): Promise<ExitCode> {
  const since = duration(options.since, '1h', '--since');
  const now = Date.now();
  const store = await openStore(tableName(options.table));
  const entries = await reach(() => store.listQuarantine(now - since, now), 'DynamoDB');
  if (options.json) {
    io.out.write(`${JSON.stringify(entries, null, 2)}\n`);
    return 0;
  }
  if (entries.length === 0) {
    io.out.write('no quarantined records in that time\n');
    return 0;
  }
  for (const e of entries) {
    const payload =
      e.payload !== undefined
        ? JSON.stringify(e.payload.length > 120 ? `${e.payload.slice(0, 117)}...` : e.payload)
        : `(binary, ${e.bytes} bytes, base64 in --json)`;
    io.out.write(`${iso(e.arrival)}  ${e.reason.padEnd(16)} ${e.shardId}  seq ${e.sequenceNumber}\n`);
    io.out.write(
      `  ${e.message}\n  ${payload}${e.truncated ? ` (first 300,000 of ${e.bytes} bytes kept)` : ''}\n`,
    );
  }
  io.out.write(`${entries.length} quarantined records\n`);
  return 0;
}
