// A storm: 10,000 instances raising the same alert within a minute, through the real grouping
// (routeAlerts as the consumer and sweeper call it, maintainIncidents every sweep) against dynalite.
// Prints one JSON line: messages published, and the write units the grouping cost per alert.

import type { Alert } from '../src/engine/alert.js';
import { messageKey } from '../src/engine/alert.js';
import { createTable, startEmulators } from '../src/local/emulators.js';
import { maintainIncidents, routeAlerts } from '../src/runtime/incidents.js';
import { DynamoDbStore } from '../src/store/dynamodb-store.js';
import { parseWorkflowFile } from '../src/workflow/load.js';
import { anAlert } from '../test/support/alerts.js';
import { RequestMeter } from './request-meter.js';

const ALERTS = 10_000;
/** As a sweeper page or a consumer batch hands them over. */
const PAGE = 100;
const T0 = Date.parse('2026-11-02T09:00:00Z');

const config = parseWorkflowFile(
  `
version: 1
workflows:
  order:
    start: order.placed
    deadline: 15m
    steps:
      payment.authorized: { within: 2m }
`,
  'storm.yml',
);

const emu = await startEmulators();
await createTable(emu.dynamodb, 'storm');
const meter = new RequestMeter();
meter.attach(emu.dynamodb);
const store = new DynamoDbStore(emu.dynamodb, 'storm');
let now = T0;
const messages: Alert[] = [];
const deps = {
  config,
  store,
  publisher: {
    publish: async (alerts: readonly Alert[]) => {
      messages.push(...alerts);
      return { published: new Set(alerts.map(messageKey)), failed: [] };
    },
  },
  metrics: { count() {}, timing() {}, gauge() {} },
  logger: { info() {}, warn() {}, error() {} },
  clock: () => now,
};

// Each with the start on its timeline, as a real one carries.
const alert = (i: number): Alert =>
  anAlert(i, now, {
    timeline: [
      { step: 'order.placed', status: 'succeeded', time: new Date(T0).toISOString(), source: 'checkout-api' },
    ],
  });

meter.reset();
// The storm spreads over 50 s; a sweep every 5 s keeps the incident; then 5 quiet minutes.
let sent = 0;
for (let i = 0; i < ALERTS; i += PAGE) {
  now = T0 + Math.floor((i / ALERTS) * 50_000);
  const page = Array.from({ length: Math.min(PAGE, ALERTS - i) }, (_, k) => alert(i + k));
  const routed = await routeAlerts(page, deps);
  await deps.publisher.publish(routed.now);
  sent += routed.now.length;
  if (i % 1000 === 0) await maintainIncidents(deps);
}
for (let t = 50_000; t <= 6 * 60_000; t += 5_000) {
  now = T0 + t;
  await maintainIncidents(deps);
}
const grouping = meter.tableWrites;
await emu.stop();
console.log(
  JSON.stringify({
    alerts: ALERTS,
    messages: messages.length,
    oneByOne: sent,
    incidentMessages: messages
      .filter((m) => m.kind === 'incident')
      .map((m) => (m.state === 'resolved' ? 'resolved' : `update ${m.incident?.update}`)),
    writeUnitsPerAlert: grouping / ALERTS,
    requests: Object.fromEntries(meter.requests),
  }),
);
