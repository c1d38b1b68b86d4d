import { DeleteItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PutRecordsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { aggregate } from 'aws-kinesis-agg';
import { beforeAll, expect, it } from 'vitest';
import { type Alert, messageKey } from '../../src/engine/alert.js';
import type { Emulators } from '../../src/local/emulators.js';
import { heartbeatRecord } from '../../src/runtime/heartbeat.js';
import { sweep } from '../../src/runtime/sweep.js';
import { instancePk } from '../../src/store/keys.js';
import { ev, happyPath, line, MIN, replay, SEC, T0 } from '../helpers.js';
import { describeOnEachStore } from '../support/dynamodb-local.js';
import { capturePublished, type Harness, harness, refusePublishing } from './harness.js';

const kindsOf = (alerts: readonly Alert[]) =>
  alerts.map(
    (a) => `${a.step ? `${a.kind}:${a.step}` : a.kind}${a.state === 'resolved' ? ' (resolved)' : ''}`,
  );

/** Records a consumer handler's responses while the poller drains. */
function recordResponses(h: Harness): { batchItemFailures: { itemIdentifier: string }[] }[] {
  const responses: { batchItemFailures: { itemIdentifier: string }[] }[] = [];
  const original = h.consume;
  h.consume = async (event) => {
    const r = await original(event);
    responses.push(r);
    return r;
  };
  return responses;
}

/** A raw record (any bytes) on the stream with this partition key. */
async function putRaw(emu: Emulators, h: Harness, records: { data: string | Uint8Array; key: string }[]) {
  await emu.kinesis.send(
    new PutRecordsCommand({
      StreamName: h.stream,
      Records: records.map((r) => ({
        Data: typeof r.data === 'string' ? Buffer.from(r.data) : r.data,
        PartitionKey: r.key,
      })),
    }),
  );
}

describeOnEachStore(
  'trust: nothing a producer puts on the stream silences or fools the monitor',
  (emulators) => {
    let emu: Emulators;
    beforeAll(() => {
      emu = emulators();
    });

    it('one bad timestamp is quarantined and stops nothing: other instances are still alerted', async () => {
      const h = await harness(emu, { shards: 1 });
      const responses = recordResponses(h);
      const poison = (time: string) =>
        `{"eventId":"p-${time}","correlationId":"o-poison","workflow":"order","step":"placed","time":${time}}`;
      await h.send([
        poison('1e16'),
        poison('1e300'),
        poison('-1'),
        ev('placed', 0, { cid: 'o-ok', attributes: { items: 1 } }),
      ]);
      await h.poller.drain();
      expect(responses.every((r) => r.batchItemFailures.length === 0)).toBe(true);
      const quarantined = await h.quarantined();
      expect(quarantined.map((q) => q.reason)).toEqual(['bad_time', 'bad_time', 'bad_time']);
      expect(String(quarantined.find((q) => String(q.payload).includes('1e16'))?.message)).toContain(
        'later than',
      );
      for (const at of [1, 2, 3, 4]) await h.tick(T0 + at * MIN);
      expect(kindsOf(h.published)).toEqual(['step_overdue:paid']);
      expect(await h.instance('o-poison')).toBeUndefined();
    });

    it('a forged heartbeat is quarantined and moves no time; a genuine one ahead of the clock is refused too', async () => {
      const h = await harness(emu, { shards: 1 });
      await h.send([ev('placed', 0, { cid: 'o-f', attributes: { items: 1 } })]);
      await h.poller.drain();
      await h.tick(T0 + 1 * MIN); // creates the deployment's key; T = 1m from the next sweep on
      const month = T0 + 30 * 86_400_000;
      const key = (await h.store.getHeartbeatKey()) as Uint8Array;
      const copied = JSON.parse(heartbeatRecord(T0 + MIN, key)) as { mac: string };
      await putRaw(emu, h, [
        { data: `{"overdue":"heartbeat","time":${month}}`, key: 'attacker' },
        { data: JSON.stringify({ overdue: 'heartbeat', time: month, mac: copied.mac }), key: 'attacker' },
        // Even signed with the real key (a leak), a heartbeat far ahead of the consumer's clock is refused.
        { data: heartbeatRecord(month, key), key: 'attacker' },
      ]);
      await h.poller.drain();
      const forged = (await h.quarantined()).filter((q) => q.reason === 'forged_heartbeat');
      expect(forged).toHaveLength(3);
      expect(h.metrics.counts.get('forgedHeartbeats')).toBe(3);
      expect((await h.store.getWatermarks()).get('shardId-000000000000')).toBe(T0 + MIN);
      const result = await h.sweep(T0 + 90 * SEC);
      expect(result.observed).toBe(T0 + MIN);
      expect(h.published).toEqual([]); // nothing timed out
      expect((await h.instance('o-f'))?.instance.st).toBe('running');
    });

    it('an instance with 1,500 events commits and publishes every alert, bounded to fit item and message', async () => {
      const h = await harness(emu, { shards: 1, batchSize: 500 });
      const storm = Array.from({ length: 1499 }, (_, i) =>
        JSON.stringify({
          eventId: `retry-${i}`,
          correlationId: 'o-chatty',
          workflow: 'order',
          step: 'paid',
          status: 'failed',
          time: new Date(T0 + 1000 + i * 10).toISOString(),
          source: `payments-${'x'.repeat(200)}-${i}`,
          traceId: `1-${i.toString(16).padStart(8, '0')}-${'t'.repeat(180)}`,
          error: `CardDeclined: ${'e'.repeat(400)}`,
        }),
      );
      await h.send([ev('placed', 0, { cid: 'o-chatty', attributes: { items: 1 } })]);
      for (let i = 0; i < storm.length; i += 500)
        await putRaw(
          emu,
          h,
          storm.slice(i, i + 500).map((data) => ({ data, key: 'o-chatty' })),
        );
      const responses = recordResponses(h);
      await h.poller.drain();
      expect(responses.every((r) => r.batchItemFailures.length === 0)).toBe(true);
      for (const at of [1, 3, 4, 16, 17]) await h.tick(T0 + at * MIN);
      expect(kindsOf(h.published)).toEqual([
        'step_overdue:paid',
        'step_overdue:picked',
        'workflow_timed_out',
      ]);
      for (const alert of h.published) {
        expect(alert.timeline.length).toBeLessThanOrEqual(50);
        expect(alert.timelineTrimmed).toBe(1500 - alert.timeline.length);
        expect(alert.traceIds.length).toBeLessThanOrEqual(50);
        expect(alert.timeline[0]?.step).toBe('placed'); // the first row is kept
        expect(Buffer.byteLength(JSON.stringify(alert))).toBeLessThan(250_000);
      }
      const stored = await h.instance('o-chatty');
      expect(stored?.instance.st).toBe('timed_out');
      expect(stored?.pending).toEqual([]);
    });

    it('an event stamped ahead of real time fires no deadline early; one beyond the skew is refused', async () => {
      const h = await harness(emu, { shards: 1 });
      const now = Date.now();
      h.now = now;
      const event = (id: string, step: string, time: number) =>
        JSON.stringify({
          eventId: id,
          correlationId: 'o-skew',
          workflow: 'order',
          step,
          time,
          attributes: { items: 1 },
        });
      // paid is due at now + 1m, final at now + 1m30s; label (optional) comes from a clock 1m50s fast.
      await putRaw(emu, h, [
        { data: event('a', 'placed', now - MIN), key: 'o-skew' },
        { data: event('b', 'label', now + 110 * SEC), key: 'o-skew' },
        { data: event('c', 'label', now + 20 * MIN), key: 'o-skew' },
      ]);
      await h.poller.drain();
      const stored = await h.instance('o-skew');
      expect(stored?.instance.fired).toBeUndefined();
      expect(stored?.pending).toEqual([]);
      expect(h.published).toEqual([]);
      const quarantined = await h.quarantined();
      expect(quarantined.map((q) => q.reason)).toEqual(['bad_time']);
      expect(String(quarantined[0]?.message)).toMatch(/allowed clock skew \(2m\)/);
    });

    it('folds a batch before judging it at the watermark its heartbeats bring', async () => {
      const h = await harness(emu, { shards: 1 });
      const key = await h.store.createHeartbeatKey(new Uint8Array(32).fill(7));
      // A heartbeat of 5m, then placed (0) and paid (1m) that were put after it: one batch.
      await putRaw(emu, h, [
        { data: heartbeatRecord(T0 + 5 * MIN, key), key: 'hb' },
        { data: line(ev('placed', 0, { cid: 'o-b', attributes: { items: 1 } })), key: 'o-b' },
        { data: line(ev('paid', 1 * MIN, { cid: 'o-b' })), key: 'o-b' },
      ]);
      h.now = T0 + 5 * MIN;
      await h.poller.drain();
      const stored = await h.instance('o-b');
      expect(stored?.instance.done).toEqual({ placed: T0, paid: T0 + MIN });
      expect(stored?.instance.fired).toBeUndefined(); // paid was on time
      expect(stored?.instance.wk).toBe(T0 + 6 * MIN + 30 * SEC); // reserved: paid + 5m + grace
    });

    it('a backfill of old events raises exactly what replay raises', async () => {
      const h = await harness(emu, { shards: 2 });
      const recording = [
        ...happyPath('o-healthy'),
        ev('placed', 1 * MIN, { cid: 'o-nopay', attributes: { items: 1 } }),
        ev('placed', 2 * MIN, { cid: 'o-declined', attributes: { items: 1 } }),
        ev('paid', 2 * MIN + 5 * SEC, { cid: 'o-declined', status: 'failed' }),
        ev('declined', 2 * MIN + 10 * SEC, { cid: 'o-declined' }),
        ev('placed', 3 * MIN, { cid: 'o-slow', attributes: { items: 1 } }),
        ev('paid', 4 * MIN, { cid: 'o-slow' }),
        ev('reserved', 6 * MIN, { cid: 'o-slow' }),
        ev('picked', 7 * MIN, { cid: 'o-slow' }),
        ev('placed', 5 * MIN, { cid: 'o-incomplete', attributes: { items: 2 } }),
        ev('paid', 6 * MIN, { cid: 'o-incomplete' }),
        ev('shipped', 8 * MIN, { cid: 'o-incomplete' }),
        ev('shipped', 25 * MIN, { cid: 'o-slow' }),
      ].sort((a, b) => a.at - b.at);
      const lines = recording.map((e) => line(e));
      // The monitor has been running for hours when the recording arrives.
      await h.tick(T0 + 3 * 60 * MIN);
      await h.tick(T0 + 3 * 60 * MIN + 10 * SEC);
      await putRaw(
        emu,
        h,
        lines.map((data, i) => ({ data, key: recording[i]?.cid ?? 'o-1' })),
      );
      await h.poller.drain();
      for (const at of [1, 2, 3]) await h.tick(T0 + 3 * 60 * MIN + at * MIN);

      const identity = (alerts: readonly Alert[]) =>
        alerts.map((a) => `${a.correlationId} ${a.kind}:${a.step ?? ''} ${a.status} [${a.missing}]`).sort();
      const whole = replay(lines, { drain: true });
      expect(identity(h.published)).toEqual(identity(whole.alerts));
      // And record for record, each instance's alerts are those of replay --drain over its events alone.
      const alone = [...new Set(recording.map((e) => e.cid))].flatMap(
        (cid) =>
          replay(
            lines.filter((_, i) => recording[i]?.cid === cid),
            { drain: true },
          ).alerts,
      );
      const byId = (alerts: readonly Alert[]) =>
        [...alerts].sort((a, b) => (messageKey(a) < messageKey(b) ? -1 : 1));
      expect(byId(h.published)).toEqual(byId(alone));
      expect(kindsOf(h.published).sort()).toEqual([
        'completed_late',
        'step_overdue:paid',
        'step_overdue:picked',
        'step_overdue:shipped',
        'step_overdue:shipped (resolved)',
        'workflow_failed:declined',
        'workflow_incomplete',
        'workflow_timed_out',
        'workflow_timed_out',
        'workflow_timed_out (resolved)',
      ]);
    });

    it('a shard split raises no false monitor_lagging, and T follows the children', async () => {
      const h = await harness(emu, { shards: 1, lagThresholdMs: 5 * MIN });
      // The sweeper has run every 2 minutes for an hour: its first run is long ago.
      for (let at = -60; at <= 0; at += 2) await h.tick(T0 + at * MIN);
      await h.send([ev('placed', 0, { cid: 'o-split', attributes: { items: 1 } })]);
      await h.tick(T0 + 1 * MIN);
      await h.tick(T0 + 90 * SEC);
      await emu.kinesis.send(
        new SplitShardCommand({
          StreamName: h.stream,
          ShardToSplit: 'shardId-000000000000',
          NewStartingHashKey: (2n ** 127n).toString(),
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 50)); // kinesalite's split settles
      const first = await h.tick(T0 + 2 * MIN);
      expect(first.observed).toBe(T0 + 90 * SEC); // inherited from the parent
      await h.send([ev('paid', 100 * SEC, { cid: 'o-split' })]);
      await h.poller.drain();
      const second = await h.tick(T0 + 3 * MIN);
      expect(second.observed).toBe(T0 + 2 * MIN); // the children's own heartbeats
      for (let at = 4; at <= 13; at++) await h.tick(T0 + at * MIN);
      expect(kindsOf(h.published)).toEqual(['step_overdue:reserved', 'step_overdue:picked']);
      expect((await h.instance('o-split'))?.instance.done.paid).toBe(T0 + 100 * SEC);
    });

    it('a sweep degrades: without heartbeats it still publishes pending alerts and reports lag', async () => {
      const h = await harness(emu, { lagThresholdMs: 5 * MIN });
      await h.send([ev('placed', 0, { cid: 'o-d', attributes: { items: 1 } })]);
      await h.poller.drain();
      await h.tick(T0 + 1 * MIN);
      await h.tick(T0 + 3 * MIN);
      refusePublishing();
      await h.tick(T0 + 4 * MIN); // step_overdue:paid committed, not published
      const published = capturePublished();
      const broken = {
        ...h.sweeperDeps,
        heartbeats: {
          shards: h.sweeperDeps.heartbeats.shards.bind(h.sweeperDeps.heartbeats),
          beat: async () => {
            throw new Error('ProvisionedThroughputExceededException');
          },
        },
      };
      h.now = T0 + 12 * MIN;
      const result = await sweep(broken, Number.POSITIVE_INFINITY);
      expect(result.heartbeats).toBe(false);
      expect(result.observed).toBe(T0 + 4 * MIN); // where the last heartbeats put it
      expect(kindsOf(published).sort()).toEqual(['monitor_lagging', 'step_overdue:paid']);
      expect(h.metrics.counts.get('heartbeatFailures')).toBe(1);
    });

    it('overlapping sweeps both complete and raise each alert once', async () => {
      const h = await harness(emu);
      await h.send([ev('placed', 0, { cid: 'o-o', attributes: { items: 1 } })]);
      await h.poller.drain();
      await h.tick(T0 + 1 * MIN);
      await h.tick(T0 + 3 * MIN);
      h.now = T0 + 4 * MIN;
      const results = await Promise.all([
        sweep({ ...h.sweeperDeps, cache: {} }, Number.POSITIVE_INFINITY),
        sweep({ ...h.sweeperDeps, cache: {} }, Number.POSITIVE_INFINITY),
      ]);
      expect(results.map((r) => r.observed)).toEqual([T0 + 3 * MIN, T0 + 3 * MIN]);
      expect((await h.instance('o-o'))?.instance.fired).toEqual(['step_overdue:paid']);
      expect(new Set(h.published.map((a) => a.alertId)).size).toBe(1);
    });

    it('one instance that cannot be judged never stops the others, in the consumer or the sweeper', async () => {
      const raw = new DynamoDBClient({
        endpoint: emu.dynamodbEndpoint,
        region: emu.region,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      const h = await harness(emu, { shards: 1 });
      const corrupt = (cid: string, doc: string, due?: number) =>
        raw.send(
          new PutItemCommand({
            TableName: h.table,
            Item: {
              pk: { S: instancePk('order', cid) },
              sk: { S: 'I' },
              ver: { N: '1' },
              doc: { S: doc },
              ...(due === undefined ? {} : { gsk: { S: 'D#0' }, due: { N: String(due) } }),
            },
          }),
        );
      // Stored by a buggy version: the engine throws on it.
      await corrupt('o-c1', '{"v":1,"wf":"order","id":"o-c1","st":"running","done":{},"seen":[],"tl":null}');
      await corrupt(
        'o-c2',
        '{"v":1,"wf":"order","id":"o-c2","st":"running","done":null,"seen":[],"tl":[]}',
        1,
      );
      const responses = recordResponses(h);
      await h.send([
        ev('paid', 1 * MIN, { cid: 'o-c1' }),
        ev('placed', 0, { cid: 'o-fine', attributes: { items: 1 } }),
      ]);
      await h.poller.drain();
      expect(responses.every((r) => r.batchItemFailures.length === 0)).toBe(true);
      expect((await h.quarantined()).map((q) => q.reason)).toEqual(['unprocessable']);
      expect((await h.instance('o-fine'))?.instance.done).toEqual({ placed: T0 });
      for (const at of [1, 3, 4]) await h.tick(T0 + at * MIN);
      expect(kindsOf(h.published)).toEqual(['step_overdue:paid']);
      expect(h.published[0]?.correlationId).toBe('o-fine');
      expect(h.metrics.counts.get('commitFailures')).toBeGreaterThanOrEqual(2);
      raw.destroy();
    });

    it('unpacks KPL-aggregated records (each user record one event) and quarantines a broken aggregate', async () => {
      const h = await harness(emu, { shards: 1 });
      const events = happyPath('o-kpl').slice(0, 3);
      const encoded = await new Promise<Buffer>((resolve, reject) => {
        const parts: Buffer[] = [];
        aggregate(
          events.map((e) => ({ partitionKey: 'o-kpl', data: Buffer.from(line(e)) })),
          (record, callback) => {
            parts.push(record.data);
            callback();
          },
          () =>
            parts.length === 1
              ? resolve(parts[0] as Buffer)
              : reject(new Error(`${parts.length} aggregates`)),
          reject,
        );
      });
      const broken = Buffer.concat([encoded.subarray(0, 8), Buffer.alloc(40, 1)]);
      await putRaw(emu, h, [
        { data: encoded, key: 'o-kpl' },
        { data: broken, key: 'o-kpl' },
      ]);
      await h.poller.drain();
      expect((await h.instance('o-kpl'))?.instance.done).toEqual({
        placed: T0,
        paid: T0 + MIN,
        reserved: T0 + 3 * MIN,
      });
      const quarantined = await h.quarantined();
      expect(quarantined.map((q) => q.reason)).toEqual(['bad_shape']);
      expect(String(quarantined[0]?.message)).toMatch(/KPL aggregated record could not be unpacked/);
    });

    it('a rotated heartbeat key is picked up by consumers that cached the old one', async () => {
      const h = await harness(emu, { shards: 1 });
      await h.tick(T0 + 1 * MIN);
      await h.tick(T0 + 2 * MIN); // the consumer has cached the key
      const raw = new DynamoDBClient({
        endpoint: emu.dynamodbEndpoint,
        region: emu.region,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      // Rotation: delete the key item; the next sweeper container creates a new one.
      await raw.send(
        new DeleteItemCommand({ TableName: h.table, Key: { pk: { S: 'K' }, sk: { S: 'heartbeat' } } }),
      );
      h.sweeperDeps.cache = {};
      await h.tick(T0 + 3 * MIN);
      const result = await h.sweep(T0 + 4 * MIN);
      expect(result.observed).toBe(T0 + 3 * MIN);
      expect((await h.quarantined()).filter((q) => q.reason === 'forged_heartbeat')).toEqual([]);
      raw.destroy();
    });
  },
);
