import { randomBytes, randomUUID } from 'node:crypto';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { sendEvents } from '../../packages/producer/src/send.js';

/** One event of a scenario: its step, its event time and (when it arrives late) when it is sent. */
interface Step {
  step: string;
  at: number;
  sendAt?: number;
  status?: 'failed';
  attributes?: Record<string, unknown>;
  error?: string;
  /** Send this event a second time, as an at-least-once producer would. */
  twice?: true;
}

interface Scenario {
  workflow: 'order-fulfilment' | 'user-signup';
  /** What it shows; printed nowhere, but it is what each flow is for. */
  shows: string;
  steps: Step[];
}

const S = 1000;

/**
 * Flows for examples/demo-workflows.yml, every anomaly among them. The order puts quick alerts
 * first, so the first shows within seconds of the demo starting.
 */
const SCENARIOS: Scenario[] = [
  {
    workflow: 'order-fulfilment',
    shows: 'a healthy order: no alert',
    steps: [
      { step: 'order.placed', at: 0, attributes: { itemCount: 2, total: 25 } },
      { step: 'payment.authorized', at: 1 * S, attributes: { amount: 25 } },
      { step: 'inventory.reserved', at: 2 * S },
      { step: 'item.picked', at: 2.5 * S },
      { step: 'item.picked', at: 3 * S },
      { step: 'label.printed', at: 3.5 * S },
      { step: 'shipment.created', at: 4.5 * S },
    ],
  },
  {
    workflow: 'order-fulfilment',
    shows: 'a payment failure: workflow_failed',
    steps: [
      { step: 'order.placed', at: 0, attributes: { itemCount: 1, total: 25 } },
      {
        step: 'payment.authorized',
        at: 1.5 * S,
        status: 'failed',
        error: 'CardDeclined: insufficient funds',
      },
      { step: 'payment.declined', at: 2 * S },
    ],
  },
  {
    workflow: 'order-fulfilment',
    shows: 'a late step: step_overdue (done 1s late, inside the grace period)',
    steps: [
      { step: 'order.placed', at: 0, attributes: { itemCount: 1, total: 25 } },
      { step: 'payment.authorized', at: 6 * S, attributes: { amount: 25 } },
      { step: 'inventory.reserved', at: 7 * S },
      { step: 'item.picked', at: 7.5 * S },
      { step: 'shipment.created', at: 9 * S },
    ],
  },
  {
    workflow: 'order-fulfilment',
    shows: 'a payment for another amount than the order: assertion_failed charged-equals-total',
    steps: [
      { step: 'order.placed', at: 0, attributes: { itemCount: 1, total: 25 } },
      { step: 'payment.authorized', at: 1 * S, attributes: { amount: 20 } },
      { step: 'inventory.reserved', at: 2 * S },
      { step: 'item.picked', at: 2.5 * S },
      { step: 'shipment.created', at: 3.5 * S },
    ],
  },
  {
    workflow: 'user-signup',
    shows: 'out-of-order steps in a strict workflow: out_of_order',
    steps: [
      { step: 'signup.submitted', at: 0 },
      { step: 'profile.created', at: 2 * S, sendAt: 3.5 * S },
      { step: 'email.verified', at: 3 * S },
    ],
  },
  {
    workflow: 'order-fulfilment',
    shows: 'a missing step: step_overdue, then workflow_timed_out',
    steps: [
      { step: 'order.placed', at: 0, attributes: { itemCount: 1, total: 25 } },
      { step: 'payment.authorized', at: 1 * S, attributes: { amount: 25 } },
      { step: 'item.picked', at: 2 * S },
    ],
  },
  {
    workflow: 'order-fulfilment',
    shows: 'duplicates and out-of-order arrival: no alert',
    steps: [
      { step: 'item.picked', at: 2 * S, sendAt: 0.5 * S },
      { step: 'order.placed', at: 0, sendAt: 1 * S, attributes: { itemCount: 1, total: 25 } },
      { step: 'payment.authorized', at: 1.5 * S, attributes: { amount: 25 }, twice: true },
      { step: 'inventory.reserved', at: 2.5 * S, twice: true },
      { step: 'shipment.created', at: 4 * S },
    ],
  },
  {
    workflow: 'user-signup',
    shows: 'a healthy sign-up: no alert',
    steps: [
      { step: 'signup.submitted', at: 0 },
      { step: 'email.verified', at: 2 * S },
      { step: 'profile.created', at: 3 * S },
    ],
  },
  {
    workflow: 'order-fulfilment',
    shows: 'a fan-out short of its count: step_overdue item.picked, then workflow_timed_out',
    steps: [
      { step: 'order.placed', at: 0, attributes: { itemCount: 3, total: 25 } },
      { step: 'payment.authorized', at: 1 * S, attributes: { amount: 25 } },
      { step: 'inventory.reserved', at: 2 * S },
      { step: 'item.picked', at: 3 * S },
      { step: 'item.picked', at: 4 * S },
    ],
  },
  {
    workflow: 'order-fulfilment',
    shows: 'a start that never arrives: workflow_timed_out with order.placed missing',
    steps: [
      { step: 'payment.authorized', at: 1 * S, attributes: { amount: 25 } },
      { step: 'inventory.reserved', at: 2 * S },
    ],
  },
];

const SOURCES: Record<string, string> = {
  'order.placed': 'checkout-api',
  'payment.authorized': 'payments',
  'payment.declined': 'payments',
  'inventory.reserved': 'inventory',
  'item.picked': 'warehouse',
  'label.printed': 'warehouse',
  'shipment.created': 'shipping',
  'signup.submitted': 'signup-web',
  'email.verified': 'identity',
  'profile.created': 'profiles',
};

export interface Demo {
  stop(): Promise<void>;
}

interface Due {
  sendAt: number;
  line: string;
}

/**
 * Plays the scenarios in turn, a new flow every 1.5 s (a few events a second), as real producers
 * would: event times are the wall clock, each flow's events go out when they happen (or later, for
 * the out-of-order ones), through the same code as `overdue send`.
 */
export function startDemo(
  client: KinesisClient,
  streamName: string,
  onError: (error: unknown) => void,
  options: { flowEveryMs?: number; tickMs?: number } = {},
): Demo {
  const flowEvery = options.flowEveryMs ?? 1500;
  let queue: Due[] = [];
  let next = 0;
  let serial = 1000;
  let nextFlow = Date.now();
  let sending: Promise<void> = Promise.resolve();
  const tick = () => {
    const now = Date.now();
    while (now >= nextFlow) {
      queue.push(...plan(SCENARIOS[next % SCENARIOS.length] as Scenario, ++serial, nextFlow));
      next++;
      nextFlow += flowEvery;
    }
    const due = queue.filter((d) => d.sendAt <= now).sort((a, b) => a.sendAt - b.sendAt);
    if (due.length === 0) return;
    queue = queue.filter((d) => d.sendAt > now);
    sending = sending
      .then(() =>
        sendEvents(
          client,
          streamName,
          due.map((d) => d.line),
        ),
      )
      .then((r) => {
        if (r.failed.length > 0) onError(`${r.failed.length} demo events refused: ${r.failed[0]?.error}`);
      })
      .catch(onError);
  };
  let nextSearch = Date.now();
  const searches = () => {
    const now = Date.now();
    while (now >= nextSearch) {
      queue.push(...searchFlow(++serial, nextSearch));
      nextSearch += SEARCH_EVERY_MS;
    }
  };
  const timer = setInterval(() => {
    searches();
    tick();
  }, options.tickMs ?? 200);
  tick();
  return {
    async stop() {
      clearInterval(timer);
      await sending;
    },
  };
}

/** Steady lookups, four a second: enough runs per 20 s window for the search workflow's baseline. */
const SEARCH_EVERY_MS = 250;
const SEARCH_WINDOW_MS = 20_000;

/**
 * One lookup of the `search` workflow (examples/demo-workflows.yml): results 150–250 ms after the
 * request, three times that during one whole 20 s window in every nine (about every three minutes),
 * which the learned baseline reports as one latency_shift; and none at all for 10 s in every four
 * minutes, a storm the monitor reports as one incident.
 */
function searchFlow(serial: number, start: number): Due[] {
  const slow = Math.floor(start / SEARCH_WINDOW_MS) % 9 === 5;
  // A short outage about every four minutes: for 10 s no search returns (an alert storm that
  // makes one incident, which resolves a quiet minute later).
  const outage = Math.floor(start / SEARCH_WINDOW_MS) % 12 === 8 && start % SEARCH_WINDOW_MS < 10_000;
  const ms = (150 + Math.floor(Math.random() * 100)) * (slow ? 3 : 1);
  const correlationId = `s-${serial}`;
  const event = (step: string, at: number, more: object = {}) =>
    JSON.stringify({
      eventId: randomUUID(),
      correlationId,
      workflow: 'search',
      step,
      time: new Date(at).toISOString(),
      source: 'search-api',
      coldStart: false,
      ...more,
    });
  const requested = { sendAt: start, line: event('search.requested', start) };
  if (outage) return [requested];
  return [requested, { sendAt: start + ms, line: event('results.returned', start + ms, { durationMs: ms }) }];
}

function plan(scenario: Scenario, serial: number, start: number): Due[] {
  const prefix = scenario.workflow === 'user-signup' ? 'u' : 'o';
  const correlationId = `${prefix}-${serial}`;
  const trace = `1-${Math.floor(start / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  return scenario.steps.flatMap((s) => {
    const event = {
      eventId: randomUUID(),
      correlationId,
      workflow: scenario.workflow,
      step: s.step,
      ...(s.status ? { status: s.status } : {}),
      time: new Date(start + s.at).toISOString(),
      source: SOURCES[s.step] ?? 'demo',
      traceId: trace,
      durationMs: 20 + Math.floor(Math.random() * 400),
      ...(Math.random() < 0.1 ? { coldStart: true } : {}),
      ...(s.attributes ? { attributes: s.attributes } : {}),
      ...(s.error ? { error: s.error } : {}),
    };
    const line = JSON.stringify(event);
    const sendAt = start + (s.sendAt ?? s.at);
    return s.twice
      ? [
          { sendAt, line },
          { sendAt: sendAt + 700, line },
        ]
      : [{ sendAt, line }];
  });
}
