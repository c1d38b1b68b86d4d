import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { ALERT_KINDS } from '../../engine/alert.js';
import { VersionConflictError } from '../../runtime/errors.js';
import type { Silence } from '../../runtime/silences.js';
import { didYouMean } from '../../workflow/suggest.js';
import { UsageError } from '../errors.js';
import { duration, type ExitCode, type Io, reach } from '../io.js';
import { openStore, tableName } from './trace.js';

interface SilenceOptions {
  workflow?: string;
  step?: string;
  kind?: string;
  for?: string;
  reason?: string;
  table?: string;
  json?: boolean;
}

export function registerSilence(program: Command, io: Io, done: (code: ExitCode) => void): void {
  program
    .command('silence')
    .description(
      'hold alerts of a workflow (step, kind) for a while: recorded, not published; or list or expire silences',
    )
    .argument('[action]', 'list, or expire ID; nothing: set a silence')
    .argument('[id]', 'the silence to expire')
    .option('-w, --workflow <name>', 'the workflow to silence (required to set one)')
    .option('--step <name>', 'only this step')
    .option('--kind <kind>', 'only this alert kind')
    .option('--for <duration>', 'how long, from now (e.g. 2h)')
    .option('--reason <text>', 'why: shown in list, trace and the logs (required to set one)')
    .option('--table <name>', 'the monitor table (default: OVERDUE_TABLE, else overdue-local)')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ overdue silence --workflow order-fulfilment --step shipment.created --for 2h --reason "carrier API maintenance"
  $ overdue silence list
  $ overdue silence expire s-3f9a1c

Silenced alerts are recorded on their instances (overdue trace shows them) and logged; only their
messages are held. Recurring windows belong in the workflow file: maintenance: [{ cron, for }].`,
    )
    .action(async (action: string | undefined, id: string | undefined, options: SilenceOptions) =>
      done(await silence(action, id, options, io)),
    );
}

async function silence(
  action: string | undefined,
  id: string | undefined,
  options: SilenceOptions,
  io: Io,
): Promise<ExitCode> {
  const store = await openStore(tableName(options.table));
  const now = Date.now();
  if (action === 'list') {
    const { silences } = await reach(() => store.getSilences(), 'DynamoDB');
    const active = silences.filter((s) => s.until > now);
    if (options.json) io.out.write(`${JSON.stringify(active, null, 2)}\n`);
    else if (active.length === 0) io.out.write('no active silences\n');
    else for (const s of active) io.out.write(`${describe(s)}\n`);
    return 0;
  }
  if (action === 'expire') {
    if (id === undefined)
      throw new UsageError('silence expire needs the ID of the silence (overdue silence list shows them)');
    return change(store, io, (silences) => {
      const found = silences.find((s) => s.id === id && s.until > now);
      if (!found) throw new UsageError(`no active silence ${id} (overdue silence list shows them)`);
      found.until = now;
      return `expired ${id}`;
    });
  }
  if (action !== undefined) {
    throw new UsageError(
      `silence: unknown action ${JSON.stringify(action)}: use list, expire ID, or the options to set one`,
    );
  }
  if (!options.workflow) throw new UsageError('--workflow NAME is required to set a silence');
  if (!options.reason)
    throw new UsageError('--reason TEXT is required: whoever sees the silence needs to know why');
  if (options.kind !== undefined && !(ALERT_KINDS as readonly string[]).includes(options.kind)) {
    throw new UsageError(
      `--kind: ${JSON.stringify(options.kind)} is not an alert kind.${didYouMean(options.kind, ALERT_KINDS)}`,
    );
  }
  if (!options.for) throw new UsageError('--for DURATION is required: how long the silence lasts, e.g. 2h');
  const forMs = duration(options.for, options.for, '--for');
  const created: Silence = {
    id: `s-${randomBytes(3).toString('hex')}`,
    workflow: options.workflow,
    ...(options.step === undefined ? {} : { step: options.step }),
    ...(options.kind === undefined ? {} : { kind: options.kind }),
    from: now,
    until: now + forMs,
    reason: options.reason,
    createdAt: now,
  };
  return change(store, io, (silences) => {
    silences.push(created);
    return options.json ? JSON.stringify(created, null, 2) : `silenced: ${describe(created)}`;
  });
}

/** Applies a change to the silences, again if someone else wrote first; drops long-expired ones. */
async function change(
  store: Awaited<ReturnType<typeof openStore>>,
  io: Io,
  apply: (silences: Silence[]) => string,
): Promise<ExitCode> {
  for (let attempt = 0; ; attempt++) {
    const state = await reach(() => store.getSilences(), 'DynamoDB');
    const week = Date.now() - 7 * 86_400_000;
    state.silences = state.silences.filter((s) => s.until > week);
    const said = apply(state.silences);
    try {
      await store.putSilences(state);
      io.out.write(`${said}\n`);
      return 0;
    } catch (error) {
      if (!(error instanceof VersionConflictError) || attempt >= 3) throw error;
    }
  }
}

function describe(s: Silence): string {
  const what = [s.workflow, s.step, s.kind].filter(Boolean).join(' ');
  return `${s.id}  ${what}  until ${new Date(s.until).toISOString()}  (${s.reason})`;
}
