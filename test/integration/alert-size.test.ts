import { PublishBatchCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, expect, it } from 'vitest';
import { SnsPublisher } from '../../src/alerts/sns-publisher.js';
import type { Alert } from '../../src/engine/alert.js';
import type { Instance } from '../../src/engine/instance.js';
import { advance, applyEvent } from '../../src/engine/transition.js';
import type { TelemetryEvent } from '../../src/events/telemetry.js';
import { createTable } from '../../src/local/emulators.js';
import { commit } from '../../src/runtime/commit.js';
import { DynamoDbStore } from '../../src/store/dynamodb-store.js';
import { instancePk } from '../../src/store/keys.js';
import { parseWorkflowFile } from '../../src/workflow/load.js';
import type { WorkflowModel } from '../../src/workflow/model.js';
import { MIN, T0 } from '../helpers.js';
import { describeOnEachStore } from '../support/dynamodb-local.js';
import { record } from './harness.js';

const model = parseWorkflowFile(
  `
version: 1
defaults: { grace: 30s }
workflows:
  order:
    start: placed
    deadline: 15m
    strictOrder: true
    steps:
      paid: { within: 2m }
      reserved: { after: paid, within: 5m }
      packed: {}
      shipped: { after: reserved, within: 10m }
    complete: [shipped]
    fail: [declined]
`,
  'sizes.yml',
).workflows.get('order') as WorkflowModel;

/** Failed payment attempts with realistic, fat fields: a retry storm. */
function attempt(cid: string, i: number): TelemetryEvent {
  return {
    eventId: `${cid}-attempt-${i}`,
    correlationId: cid,
    workflow: 'order',
    step: 'paid',
    status: 'failed',
    time: T0 + 1000 + (i % 90_000),
    source: `arn:aws:lambda:eu-west-1:123456789012:function:payments-authorize-${i % 7}`,
    traceId: `1-${(i + 0x6b088c6d).toString(16)}-52bb2dc600bb32e24682068f${i}`,
    error: `CardDeclined: the issuer declined attempt ${i}; ${'retry later. '.repeat(8)}`,
    durationMs: 812,
    coldStart: i % 50 === 0,
  };
}

const ok = (cid: string, step: string, at: number): TelemetryEvent => ({
  eventId: `${cid}-${step}`,
  correlationId: cid,
  workflow: 'order',
  step,
  status: 'succeeded',
  time: T0 + at,
});

/** Folds events in, then moves observed time on: every alert the instance raises on the way. */
function run(cid: string, attempts: number, tail: TelemetryEvent[], until: number) {
  let instance: Instance | undefined;
  const alerts: Alert[] = [];
  const apply = (e: TelemetryEvent) => {
    const t = applyEvent(instance, e, model, Math.max(e.time, instance?.t0 ?? e.time));
    instance = t.instance;
    alerts.push(...t.alerts);
  };
  apply(ok(cid, 'placed', 0));
  for (let i = 0; i < attempts; i++) apply(attempt(cid, i));
  for (const e of tail) apply(e);
  alerts.push(...advance(instance as Instance, model, T0 + until).alerts);
  return { instance: instance as Instance, alerts };
}

/** Three instances of `n` events each that, between them, raise every kind of alert. */
function chatty(n: number) {
  return [
    // step_overdue (missing, then done late), workflow_timed_out, then completed_late.
    run(
      `late-${n}`,
      n - 5,
      [
        ok(`late-${n}`, 'paid', 20 * MIN),
        ok(`late-${n}`, 'reserved', 21 * MIN),
        ok(`late-${n}`, 'packed', 21 * MIN),
      ],
      20 * MIN,
    ),
    run(`failed-${n}`, n - 2, [ok(`failed-${n}`, 'declined', 3 * MIN)], 3 * MIN),
    // out_of_order (reserved before paid), then workflow_incomplete (shipped without packed).
    run(
      `incomplete-${n}`,
      n - 4,
      [
        ok(`incomplete-${n}`, 'reserved', MIN),
        ok(`incomplete-${n}`, 'paid', 1.5 * MIN),
        ok(`incomplete-${n}`, 'shipped', 2 * MIN),
      ],
      3 * MIN,
    ),
  ];
}

describeOnEachStore('alerts fit their item and an SNS message however chatty the instance', (emulators) => {
  const sns = mockClient(SNSClient);
  let store: DynamoDbStore;
  let serial = 0;
  beforeAll(async () => {
    const table = `sizes-${++serial}-${Date.now()}`;
    await createTable(emulators().dynamodb, table);
    store = new DynamoDbStore(emulators().dynamodb, table);
  });

  it.each([100, 1_000, 10_000, 100_000])(
    'instances of %i events raise, commit and publish every kind',
    async (n) => {
      const runs = chatty(n);
      const late = runs[0] as (typeof runs)[number];
      // The first instance still needs its completion: shipped, after its time-out.
      const shipped = applyEvent(late.instance, ok(`late-${n}`, 'shipped', 22 * MIN), model, T0 + 22 * MIN);
      late.alerts.push(...shipped.alerts);
      const kinds = new Set(runs.flatMap((r) => r.alerts.map((a) => a.kind)));
      expect([...kinds].sort()).toEqual([
        'completed_late',
        'out_of_order',
        'step_overdue',
        'workflow_failed',
        'workflow_incomplete',
        'workflow_timed_out',
      ]);

      const messages: { bytes: number; alert: Alert }[] = [];
      sns.reset();
      sns.on(PublishCommand).callsFake((input) => {
        messages.push({
          bytes: Buffer.byteLength(input.Message) + input.Subject.length,
          alert: record(input),
        });
        return { MessageId: 'm' };
      });
      sns.on(PublishBatchCommand).callsFake((input) => {
        const entries = input.PublishBatchRequestEntries as {
          Id: string;
          Message: string;
          Subject: string;
        }[];
        for (const e of entries)
          messages.push({
            bytes: Buffer.byteLength(e.Message) + e.Subject.length,
            alert: record(e),
          });
        return { Successful: entries.map((e) => ({ Id: e.Id, MessageId: e.Id })), Failed: [] };
      });
      const publisher = new SnsPublisher(
        new SNSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
        'arn:aws:sns:us-east-1:0:t',
      );

      for (const { instance, alerts } of runs) {
        const key = instancePk('order', instance.id);
        const stored = { key, instance, version: 0, pending: alerts, indexed: undefined };
        await commit(store, stored, model, T0 + 30 * MIN); // DynamoDB refuses items over 400 KB
        const read = (await store.getInstances([key], { consistent: true })).get(key);
        expect(read?.pending.map((a) => a.alertId)).toEqual(alerts.map((a) => a.alertId));
        const result = await publisher.publish(read?.pending ?? []);
        expect(result.failed).toEqual([]);
        expect(result.published.size).toBe(alerts.length);
      }
      expect(messages).toHaveLength(runs.reduce((sum, r) => sum + r.alerts.length, 0));
      for (const { bytes, alert } of messages) {
        expect(bytes).toBeLessThan(256 * 1024 - 1024); // room for the attributes
        expect(alert.timeline.length).toBeLessThanOrEqual(50);
        expect(alert.traceIds.length).toBeLessThanOrEqual(50);
        // Every row is shown or counted: nothing is silently missing from the story.
        expect(alert.timeline.length + (alert.timelineTrimmed ?? 0)).toBeGreaterThanOrEqual(Math.min(n, 50));
        if (n > 50) expect(alert.timelineTrimmed).toBeGreaterThan(0);
        expect(alert.timeline[0]?.step).toBe('placed');
      }
    },
  );
});
