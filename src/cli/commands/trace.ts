import type { Command } from 'commander';
import { baselinesOf, traceJson } from '../../inspect/instance.js';
import { LOCAL_NAME } from '../../local/names.js';
import { inMaintenance } from '../../runtime/silences.js';
import type { DynamoDbStore } from '../../store/dynamodb-store.js';
import { instancePk } from '../../store/keys.js';
import { loadWorkflowFile } from '../../workflow/load.js';
import { UsageError } from '../errors.js';
import { type ExitCode, type Io, reach } from '../io.js';
import { traceReport } from '../trace-report.js';

interface TraceOptions {
  workflow?: string;
  config?: string;
  table?: string;
  json?: boolean;
}

export const tableName = (flag: string | undefined) => flag ?? process.env.OVERDUE_TABLE ?? LOCAL_NAME;

export function registerTrace(program: Command, io: Io, done: (code: ExitCode) => void): void {
  program
    .command('trace')
    .description('explain a stored instance: timeline, gaps, deadlines, what is pending, alerts raised')
    .argument('<correlationId>', 'the instance to explain')
    .option('-w, --workflow <name>', 'only this workflow (default: every workflow of the file)')
    .option(
      '-c, --config <file>',
      'the workflow file the monitor runs (default against overdue dev: the one it runs)',
    )
    .option('--table <name>', 'the monitor table (default: OVERDUE_TABLE, else overdue-local)')
    .option('--json', 'print the instances as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ overdue trace o-17                                  # against overdue dev
  $ OVERDUE_TABLE=overdue-prod-OverdueTable-1AB2 overdue trace o-17 --config workflows.yml

Exit codes: 0 found, 1 no such instance, 2 usage error (no region, nothing listening, no --config).`,
    )
    .action(async (correlationId: string, options: TraceOptions) =>
      done(await trace(correlationId, options, io)),
    );
}

async function trace(correlationId: string, options: TraceOptions, io: Io): Promise<ExitCode> {
  const table = tableName(options.table);
  const store = await openStore(table);
  let file = options.config;
  if (file === undefined) {
    // Only overdue dev records its file in its table; against AWS the file must be named.
    file = await reach(() => store.localConfig(), 'DynamoDB');
    if (file === undefined) {
      throw new UsageError(
        `--config FILE is required: the workflow file the monitor with table ${table} runs`,
      );
    }
  }
  const config = loadWorkflowFile(file);
  const workflows = options.workflow ? [options.workflow] : [...config.workflows.keys()];
  const found = await reach(
    () =>
      store.getInstances(
        workflows.map((w) => instancePk(w, correlationId)),
        { consistent: true },
      ),
    'DynamoDB',
  );
  if (found.size === 0) {
    io.err.write(`overdue: no instance ${correlationId} of ${workflows.join(', ')} in table ${table}\n`);
    return 1;
  }
  const now = Date.now();
  const stored = [...found.values()];
  const baselines = await Promise.all(
    stored.map((s) => reach(() => baselinesOf(s, config.workflows.get(s.instance.wf), store), 'DynamoDB')),
  );
  // What holds this instance's alerts back now: silences of its workflow, its maintenance window.
  const silences = (await reach(() => store.getSilences(), 'DynamoDB')).silences.filter((s) => s.until > now);
  const holds = stored.map((s) => {
    const model = config.workflows.get(s.instance.wf);
    const window = inMaintenance(model, now);
    return [
      ...silences.filter((x) => x.workflow === s.instance.wf),
      ...(window
        ? [{ id: 'maintenance', workflow: s.instance.wf, reason: window.reason, until: window.until }]
        : []),
    ];
  });
  if (options.json) {
    const instances = stored.map((s, i) => ({
      ...traceJson(s, config.workflows.get(s.instance.wf), baselines[i]),
      silencedBy: holds[i] ?? [],
    }));
    io.out.write(`${JSON.stringify({ instances }, null, 2)}\n`);
  } else {
    io.out.write(
      stored
        .map((s, i) => {
          const held = (holds[i] ?? []).map(
            (h) =>
              `silenced now: ${h.id}${'step' in h && h.step ? ` ${h.step}` : ''}${'kind' in h && h.kind ? ` ${h.kind}` : ''} until ${new Date(h.until).toISOString()} (${h.reason}): its alerts are recorded, not published\n`,
          );
          return traceReport(s, config.workflows.get(s.instance.wf), now, baselines[i]) + held.join('');
        })
        .join('\n'),
    );
  }
  return 0;
}

/** The monitor's table through the SDK, loaded when used so that other commands start quickly. */
export async function openStore(table: string): Promise<DynamoDbStore> {
  const [{ DynamoDBClient }, { httpHandler }, { DynamoDbStore }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('../../aws/clients.js'),
    import('../../store/dynamodb-store.js'),
  ]);
  return new DynamoDbStore(new DynamoDBClient({ requestHandler: httpHandler() }), table);
}
