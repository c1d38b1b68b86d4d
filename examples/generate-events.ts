/**
 * Writes examples/events.ndjson: a deterministic, realistic morning of traffic for
 * examples/workflows.yml in all three envelopes, with every anomaly overdue alerts on, plus
 * duplicates, out-of-order arrival, a producer's typo and a few unusable lines.
 *   node --import tsx examples/generate-events.ts > examples/events.ndjson
 */

type Shape = 'native' | 'cloudevents' | 'eventbridge';
interface Planned {
  at: number; // event time
  arrive: number; // arrival order key
  line: string;
}

let seed = 20261126;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const between = (lo: number, hi: number) => Math.round(lo + random() * (hi - lo));
const S = 1000;
const M = 60 * S;
const BASE = Date.parse('2026-11-02T09:00:00Z');
const planned: Planned[] = [];
let serial = 0;

function emit(
  shape: Shape,
  workflow: string,
  correlationId: string,
  step: string,
  at: number,
  extra: { status?: string; attributes?: Record<string, unknown>; error?: string; source: string } = {
    source: '',
  },
  options: { arriveLate?: number; duplicate?: boolean; omitWorkflow?: boolean } = {},
) {
  serial++;
  const eventId = `evt-${serial.toString(16).padStart(6, '0')}`;
  const traceId = `1-${Math.floor(at / 1000).toString(16)}-${serial.toString(16).padStart(24, '0')}`;
  const time = new Date(at).toISOString();
  let record: Record<string, unknown>;
  if (shape === 'cloudevents') {
    record = {
      specversion: '1.0',
      id: eventId,
      type: step,
      source: extra.source,
      time,
      subject: correlationId,
      ...(options.omitWorkflow ? {} : { workflow }),
      ...(extra.status ? { status: extra.status } : {}),
      traceparent: `00-${serial.toString(16).padStart(32, '0')}-${(serial * 7).toString(16).padStart(16, '0')}-01`,
      ...(extra.attributes ? { data: extra.attributes } : {}),
    };
  } else if (shape === 'eventbridge') {
    record = {
      version: '0',
      id: eventId,
      'detail-type': step,
      source: extra.source,
      account: '123456789012',
      time,
      region: 'eu-west-1',
      resources: [],
      detail: {
        correlationId,
        ...(options.omitWorkflow ? {} : { workflow }),
        ...(extra.status ? { status: extra.status } : {}),
        ...(extra.error ? { error: extra.error } : {}),
        traceId,
        ...extra.attributes,
      },
    };
  } else {
    record = {
      eventId,
      correlationId,
      ...(options.omitWorkflow ? {} : { workflow }),
      step,
      ...(extra.status ? { status: extra.status } : {}),
      time: serial % 5 === 0 ? at : time, // some producers send epoch milliseconds
      source: extra.source,
      traceId,
      ...(extra.attributes ? { attributes: extra.attributes } : {}),
      ...(extra.error ? { error: extra.error } : {}),
      durationMs: between(40, 900),
      coldStart: random() < 0.1,
    };
  }
  const line = JSON.stringify(record);
  // Producers and shards deliver a little out of order: a few seconds of jitter.
  const arrive = at + between(0, 3 * S) + (options.arriveLate ?? 0);
  planned.push({ at, arrive, line });
  if (options.duplicate || random() < 0.03) planned.push({ at, arrive: arrive + between(1, 20) * S, line });
}

type OrderCase =
  | 'ok'
  | 'declined'
  | 'slow-payment'
  | 'no-inventory'
  | 'short-pick'
  | 'late'
  | 'very-late'
  | 'no-start'
  | 'cancelled';

function order(n: number, start: number, kind: OrderCase) {
  const id = `o-${1000 + n}`;
  const wf = 'order-fulfilment';
  const items = between(1, 3);
  const src = (s: string) => ({ source: s });
  if (kind !== 'no-start') {
    emit('native', wf, id, 'order.placed', start, {
      source: 'checkout-api',
      attributes: { itemCount: kind === 'short-pick' ? items + 1 : items, total: between(10, 400) },
    });
  }
  if (kind === 'declined') {
    emit('native', wf, id, 'payment.authorized', start + 20 * S, {
      source: 'payments',
      status: 'failed',
      error: 'CardDeclined: insufficient funds',
    });
    emit('native', wf, id, 'payment.declined', start + 21 * S, src('payments'));
    return;
  }
  const pay = start + (kind === 'slow-payment' ? 3 * M : between(5, 60) * S);
  emit('native', wf, id, 'payment.authorized', pay, src('payments'));
  if (kind === 'cancelled') {
    emit('native', wf, id, 'order.cancelled', pay + 30 * S, src('checkout-api'));
    return;
  }
  const reserve = pay + between(10, 90) * S;
  if (kind !== 'no-inventory') emit('native', wf, id, 'inventory.reserved', reserve, src('inventory'));
  let lastPick = start;
  for (let i = 0; i < items; i++) {
    const picked = start + between(2, 7) * M;
    lastPick = Math.max(lastPick, picked);
    emit('native', wf, id, 'item.picked', picked, {
      source: 'warehouse',
      attributes: { sku: `sku-${between(100, 999)}` },
    });
  }
  if (random() < 0.5) emit('native', wf, id, 'label.printed', lastPick + 20 * S, src('warehouse'));
  // Without its start nothing says how many items to pick: the instance can only time out.
  if (kind === 'no-inventory' || kind === 'no-start') return;
  const ready = Math.max(reserve, lastPick);
  const ship =
    kind === 'late'
      ? start + 15 * M + 10 * S
      : kind === 'very-late'
        ? start + 19 * M
        : ready + between(30, 180) * S;
  const shortPickShip = kind === 'short-pick' ? start + 8 * M : ship;
  emit('native', wf, id, 'shipment.created', shortPickShip, src('shipping'));
}

type SignupCase = 'ok' | 'no-email' | 'out-of-order' | 'deleted' | 'typo';
function signup(n: number, start: number, kind: SignupCase) {
  const id = `u-${5000 + n}`;
  const wf = 'user-signup';
  emit('cloudevents', wf, id, 'user.registered', start, {
    source: '/identity/signup',
    attributes: { plan: 'free' },
  });
  if (random() < 0.5)
    emit('cloudevents', wf, id, 'crm.contact.created', start + between(5, 40) * S, { source: '/crm/sync' });
  if (kind === 'deleted') {
    emit('cloudevents', wf, id, 'user.deleted', start + 2 * M, { source: '/identity/admin' });
    return;
  }
  const sent = start + between(2, 30) * S;
  if (kind !== 'no-email')
    emit('cloudevents', wf, id, 'verification.email.sent', sent, { source: '/mailer' });
  if (kind === 'typo') {
    // A producer's typo: a known workflow, a step it does not define. Recorded, changes nothing.
    emit('cloudevents', wf, id, 'email.verifed', sent + 4 * M, { source: '/identity/verify' });
  }
  const verified = kind === 'out-of-order' ? sent - 5 * S : sent + between(1, 20) * M;
  if (kind !== 'no-email')
    emit(
      'cloudevents',
      wf,
      id,
      'email.verified',
      verified,
      { source: '/identity/verify' },
      { omitWorkflow: true },
    );
  if (kind !== 'no-email')
    emit('cloudevents', wf, id, 'welcome.email.sent', verified + between(5, 120) * S, { source: '/mailer' });
}

type RefundCase = 'ok' | 'rejected' | 'slow-notify';
function refund(n: number, start: number, kind: RefundCase) {
  const id = `r-${700 + n}`;
  const wf = 'refund';
  emit('eventbridge', wf, id, 'refund.requested', start, {
    source: 'com.shop.support',
    attributes: { amount: between(5, 90) },
  });
  const approved = start + between(1, 8) * M;
  if (kind === 'rejected') {
    emit('eventbridge', wf, id, 'refund.rejected', approved, {
      source: 'com.shop.support',
      attributes: { reason: 'outside policy' },
    });
    return;
  }
  emit('eventbridge', wf, id, 'refund.approved', approved, { source: 'com.shop.support' });
  const refunded = approved + between(2, 20) * M;
  emit('eventbridge', wf, id, 'payment.refunded', refunded, { source: 'com.shop.payments' });
  const notified = refunded + (kind === 'slow-notify' ? 7 * M : between(10, 120) * S);
  emit(
    'eventbridge',
    wf,
    id,
    'customer.notified',
    notified,
    { source: 'com.shop.notifications' },
    { omitWorkflow: true },
  );
}

const orderCases: OrderCase[] = [
  'ok',
  'ok',
  'declined',
  'ok',
  'slow-payment',
  'ok',
  'no-inventory',
  'ok',
  'short-pick',
  'ok',
  'late',
  'ok',
  'very-late',
  'ok',
  'no-start',
  'cancelled',
];
for (let n = 0; n < 48; n++)
  order(n, BASE + n * 2 * M + between(0, 50) * S, orderCases[n % orderCases.length] as OrderCase);
const signupCases: SignupCase[] = ['ok', 'ok', 'no-email', 'ok', 'out-of-order', 'deleted', 'ok', 'typo'];
for (let n = 0; n < 16; n++)
  signup(n, BASE + n * 5 * M + between(0, 120) * S, signupCases[n % signupCases.length] as SignupCase);
const refundCases: RefundCase[] = ['ok', 'rejected', 'ok', 'slow-notify'];
for (let n = 0; n < 8; n++)
  refund(n, BASE + n * 10 * M + between(0, 300) * S, refundCases[n % refundCases.length] as RefundCase);

// Lines that cannot be used: each is reported with its reason and the replay goes on.
const bad = [
  '{"eventId":"evt-bad-1","correlationId":"o-1003","step":"payment.authorized",',
  JSON.stringify({
    eventId: 'evt-bad-2',
    correlationId: 'o-1004',
    workflow: 'order-fulfillment',
    step: 'order.placed',
    time: '2026-11-02T09:10:00Z',
  }),
  JSON.stringify({ eventId: 'evt-bad-3', correlationId: 'o-1005', step: 'payment.authorized' }),
  JSON.stringify({
    eventId: 'evt-bad-4',
    correlationId: 'x-1',
    step: 'invoice.sent',
    time: '2026-11-02T09:30:00Z',
  }),
  JSON.stringify({
    eventId: 'evt-bad-5',
    correlationId: 'o-1006',
    step: 'payment.authorized',
    time: '2026-11-02 09:31:00',
  }),
];
bad.forEach((line, i) => {
  planned.push({ at: 0, arrive: BASE + (i + 1) * 17 * M, line });
});

planned.sort((a, b) => a.arrive - b.arrive || a.at - b.at);
process.stdout.write(`${planned.map((p) => p.line).join('\n')}\n`);
