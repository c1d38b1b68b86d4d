import { Replayer, type ReplayResult } from '../src/replay/replayer.js';
import { parseWorkflowFile } from '../src/workflow/load.js';
import type { WorkflowConfig } from '../src/workflow/model.js';

export const T0 = Date.parse('2026-11-02T09:00:00Z');
export const SEC = 1000;
export const MIN = 60 * SEC;

/** The workflow most engine tests use: contract §2's order, shortened names. */
export const ORDER_YAML = `
version: 1
# Tests of single instances: every alert on its own (incidents have tests of their own).
defaults: { grace: 30s, severity: low, incidents: { threshold: 0 } }
workflows:
  order:
    start: placed
    deadline: 15m
    severity: high
    steps:
      paid: { within: 2m }
      reserved: { after: paid, within: 5m }
      picked: { count: { from: placed, attribute: items }, within: 10m }
      label: { optional: true, within: 1m }
      shipped: { after: [reserved, picked], within: 10m }
    complete: [shipped]
    fail: [declined]
    cancel: [cancelled]
`;

export const orderConfig = (): WorkflowConfig => parseWorkflowFile(ORDER_YAML, 'order.yml');

let serial = 0;

export interface EventSpec {
  step: string;
  /** Offset from T0 in ms. */
  at: number;
  id?: string;
  cid?: string;
  workflow?: string;
  status?: 'succeeded' | 'failed' | 'started';
  attributes?: Record<string, unknown>;
  eventId?: string;
}

export function line(e: EventSpec): string {
  return JSON.stringify({
    eventId: e.eventId ?? `e-${++serial}`,
    correlationId: e.cid ?? 'o-1',
    workflow: e.workflow ?? 'order',
    step: e.step,
    time: new Date(T0 + e.at).toISOString(),
    ...(e.status ? { status: e.status } : {}),
    ...(e.attributes ? { attributes: e.attributes } : {}),
  });
}

export function ev(step: string, at: number, more: Partial<EventSpec> = {}): EventSpec {
  return { step, at, ...more };
}

/** Replays event specs (in the given arrival order) and returns the result. */
export function replay(
  events: readonly (EventSpec | string)[],
  options: { at?: number; drain?: boolean; config?: WorkflowConfig } = {},
): ReplayResult {
  const replayer = new Replayer(options.config ?? orderConfig());
  for (const e of events) replayer.push(typeof e === 'string' ? e : line(e));
  return replayer.finish({
    ...(options.at === undefined ? {} : { at: T0 + options.at }),
    ...(options.drain ? { drain: true } : {}),
  });
}

/** `kind` or `kind:step` of each alert, in the order raised. */
export const kinds = (result: ReplayResult) =>
  result.alerts.map(
    (a) => `${a.step ? `${a.kind}:${a.step}` : a.kind}${a.state === 'resolved' ? ' (resolved)' : ''}`,
  );

/** A happy path for `o-1`: two items, everything on time. */
export function happyPath(cid = 'o-1'): EventSpec[] {
  return [
    ev('placed', 0, { cid, attributes: { items: 2 } }),
    ev('paid', 1 * MIN, { cid }),
    ev('reserved', 3 * MIN, { cid }),
    ev('picked', 4 * MIN, { cid }),
    ev('picked', 5 * MIN, { cid }),
    ev('shipped', 8 * MIN, { cid }),
  ];
}
