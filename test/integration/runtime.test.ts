import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, expect, it } from 'vitest';
import type { Emulators } from '../../src/local/emulators.js';
import { instancePk } from '../../src/store/keys.js';
import { ev, happyPath, MIN, SEC, T0 } from '../helpers.js';
import { describeOnEachStore } from '../support/dynamodb-local.js';
import { capturePublished, harness, refusePublishing } from './harness.js';

const kindsOf = (alerts: { kind: string; step: string | null }[]) =>
  alerts.map((a) => (a.step ? `${a.kind}:${a.step}` : a.kind));

describeOnEachStore('consumer and sweeper', (emulators) => {
  let emu: Emulators;
  beforeAll(() => {
    emu = emulators();
  });

  it('folds a workflow to completed and raises nothing, however often the sweeper runs', async () => {
    const h = await harness(emu);
    await h.send(happyPath('o-1'));
    await h.poller.drain();
    for (const at of [10 * MIN, 20 * MIN, 30 * MIN]) await h.tick(T0 + at);
    const stored = await h.instance('o-1');
    expect(stored?.instance.st).toBe('completed');
    expect(stored?.instance.tl).toHaveLength(6);
    expect(h.published).toEqual([]);
    expect(h.metrics.counts.get('workflowsCompleted')).toBe(1);
  });

  it('alerts a missing step exactly once although the sweeper runs repeatedly', async () => {
    const h = await harness(emu);
    await h.send([ev('placed', 0, { cid: 'o-2', attributes: { items: 1 } })]);
    await h.poller.drain();
    // The first sweep only puts heartbeats; once the consumer has read them, T follows the clock.
    for (let at = 1 * MIN; at <= 5 * MIN; at += MIN) await h.tick(T0 + at);
    expect(kindsOf(h.published)).toEqual(['step_overdue:paid']);
    const alert = h.published[0];
    expect(alert?.correlationId).toBe('o-2');
    expect(alert?.missing).toContain('paid');
    expect(alert?.deadline).toBe(new Date(T0 + 2 * MIN).toISOString());
    // Past the workflow deadline: the time-out, and still only one step_overdue for paid.
    for (let at = 10 * MIN; at <= 20 * MIN; at += 2 * MIN) await h.tick(T0 + at);
    expect(kindsOf(h.published)).toEqual(['step_overdue:paid', 'step_overdue:picked', 'workflow_timed_out']);
    // reserved comes after paid, so without paid it never had a deadline of its own.
    expect(h.published.at(-1)?.missing).toEqual(['paid', 'reserved', 'picked', 'shipped']);
    expect((await h.instance('o-2'))?.instance.st).toBe('timed_out');
    // Nothing left pending in the outbox.
    expect((await h.instance('o-2'))?.pending).toEqual([]);
  });

  it('loses no update when the consumer writes between the sweeper reading and writing', async () => {
    const faulty = new DynamoDBClient({
      endpoint: emu.dynamodbEndpoint,
      region: emu.region,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const h = await harness(emu, { dynamodb: faulty });
    const key = instancePk('order', 'o-3');
    let raced = false;
    faulty.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Item?: { pk?: { S?: string } } };
        if (!raced && h.now >= T0 + 3 * MIN && input.Item?.pk?.S === key) {
          raced = true;
          // The consumer commits a pick just before the sweeper's conditional put.
          await h.send([ev('picked', 90 * SEC, { cid: 'o-3' })]);
          await h.poller.drain();
        }
        return next(args);
      },
      { step: 'initialize', name: 'race' },
    );
    await h.send([ev('placed', 0, { cid: 'o-3', attributes: { items: 1 } })]);
    await h.poller.drain();
    // Each sweep works at T = the previous sweep's time: paid falls due (2m + 30s grace) in the third.
    for (const at of [1, 3, 4]) await h.tick(T0 + at * MIN);
    expect(raced).toBe(true);
    const stored = await h.instance('o-3');
    // The sweeper re-read and re-applied: the pick is in, and the missing payment is alerted once
    // (by whichever of the two committed first).
    expect(stored?.instance.done.picked).toBe(T0 + 90 * SEC);
    expect(stored?.instance.tl.map((r) => r[0])).toEqual(['placed', 'picked']);
    expect(stored?.instance.fired).toEqual(['step_overdue:paid']);
    expect(kindsOf(h.published)).toEqual(['step_overdue:paid']);
    expect(h.metrics.counts.get('versionConflicts')).toBeGreaterThanOrEqual(1);
  });

  it('changes nothing when a whole batch is delivered again', async () => {
    const h = await harness(emu, { shards: 1 });
    // Two pick events of three: redelivery must not make them count as four.
    await h.send([
      ev('placed', 0, { cid: 'o-4', attributes: { items: 3 } }),
      ev('picked', 1 * MIN, { cid: 'o-4' }),
      ev('picked', 2 * MIN, { cid: 'o-4' }),
    ]);
    const batches: Parameters<typeof h.consume>[0][] = [];
    const poller = h.poller;
    const original = h.consume;
    h.consume = async (event) => {
      batches.push(event);
      return original(event);
    };
    await poller.drain();
    const before = await h.instance('o-4');
    for (const batch of batches) await original(batch);
    const after = await h.instance('o-4');
    expect(after?.instance).toEqual(before?.instance);
    expect(after?.version).toBe(before?.version); // not even rewritten
    expect(after?.instance.done.picked).toBeUndefined();
    expect(h.metrics.counts.get('duplicates')).toBe(3);
  });

  it('reports the failed instance as the lowest failed sequence number and completes on retry', async () => {
    const faulty = new DynamoDBClient({
      endpoint: emu.dynamodbEndpoint,
      region: emu.region,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const h = await harness(emu, { dynamodb: faulty, shards: 1 });
    const key = instancePk('order', 'o-bad');
    let failures = 1;
    faulty.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Item?: { pk?: { S?: string } } };
        if (input.Item?.pk?.S === key && failures > 0) {
          failures--;
          throw Object.assign(new Error('Internal server error'), { name: 'InternalServerError' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'fail-one' },
    );
    await h.send([
      ...happyPath('o-good').slice(0, 2),
      ev('placed', 0, { cid: 'o-bad', attributes: { items: 1 } }),
      ev('paid', 1 * MIN, { cid: 'o-bad' }),
    ]);
    const responses: { batchItemFailures: { itemIdentifier: string }[] }[] = [];
    const sequences: string[][] = [];
    const original = h.consume;
    h.consume = async (event) => {
      sequences.push(event.Records.map((r) => r.kinesis.sequenceNumber));
      const response = await original(event);
      responses.push(response);
      return response;
    };
    await h.poller.drain();
    // The first delivery fails at o-bad's first record (the third); the retry starts there.
    expect(responses[0]?.batchItemFailures).toEqual([{ itemIdentifier: sequences[0]?.[2] }]);
    expect(sequences[1]?.[0]).toBe(sequences[0]?.[2]);
    expect(responses[1]?.batchItemFailures).toEqual([]);
    expect((await h.instance('o-bad'))?.instance.done).toEqual({ placed: T0, paid: T0 + MIN });
    expect((await h.instance('o-good'))?.instance.done).toEqual({ placed: T0, paid: T0 + MIN });
  });

  it('keeps an alert that SNS refused and publishes it on a later run', async () => {
    const h = await harness(emu);
    await h.send([ev('placed', 0, { cid: 'o-5', attributes: { items: 1 } })]);
    await h.poller.drain();
    await h.tick(T0 + 1 * MIN);
    await h.tick(T0 + 3 * MIN);
    refusePublishing();
    await h.tick(T0 + 4 * MIN);
    expect(h.metrics.counts.get('publishFailures')).toBe(1);
    const pending = (await h.instance('o-5'))?.pending ?? [];
    expect(pending.map((a) => `${a.kind}:${a.step}`)).toEqual(['step_overdue:paid']);

    const published = capturePublished();
    const result = await h.sweep(T0 + 4 * MIN + 10 * SEC);
    expect(result.due).toBe(1);
    expect(published.map((a) => a.alertId)).toEqual([pending[0]?.alertId]);
    expect((await h.instance('o-5'))?.pending).toEqual([]);
    // And it is not sent a third time.
    await h.tick(T0 + 5 * MIN);
    expect(published).toHaveLength(1);
  });

  it('quarantines a poison record verbatim and processes the rest of the batch', async () => {
    const h = await harness(emu, { shards: 1 });
    await h.send(['{"not json', ...happyPath('o-6').slice(0, 2), '{"eventId":"x","step":"paid"}']);
    const responses: unknown[] = [];
    const original = h.consume;
    h.consume = async (event) => {
      const r = await original(event);
      responses.push(r);
      return r;
    };
    await h.poller.drain();
    expect(responses).toEqual([{ batchItemFailures: [] }]);
    expect(Object.keys((await h.instance('o-6'))?.instance.done ?? {})).toEqual(['placed', 'paid']);
    const quarantined = await h.quarantined();
    expect(quarantined.map((q) => q.reason).sort()).toEqual(['bad_shape', 'not_json']);
    expect(quarantined.find((q) => q.reason === 'not_json')).toMatchObject({
      payload: '{"not json',
      shard: 'shardId-000000000000',
    });
    expect(quarantined.every((q) => typeof q.seq === 'string' && typeof q.ttl === 'string')).toBe(true);
    expect(h.metrics.counts.get('invalid')).toBe(2);
  });

  it('waits while the consumer is behind, raises monitor_lagging once, and alerts after catching up', async () => {
    const h = await harness(emu, { lagThresholdMs: 5 * MIN });
    await h.send([ev('placed', 0, { cid: 'o-7', attributes: { items: 1 } })]);
    await h.poller.drain();
    await h.tick(T0 + 1 * MIN); // T = 1 min from here on, until the consumer reads more heartbeats
    // The consumer stops: sweeps put heartbeats nobody reads.
    for (let at = 2 * MIN; at <= 5 * MIN; at += MIN) await h.sweep(T0 + at);
    expect(h.published).toEqual([]); // paid is due at 2m, but T is stuck at 1m
    for (let at = 7 * MIN; at <= 9 * MIN; at += MIN) await h.sweep(T0 + at);
    expect(kindsOf(h.published)).toEqual(['monitor_lagging']);
    expect(h.published[0]).toMatchObject({ workflow: 'overdue', severity: 'high', lateByMs: 1 * MIN });
    // The consumer catches up: the missing step is alerted, and the lag clears.
    await h.poller.drain();
    const result = await h.sweep(T0 + 10 * MIN);
    expect(result.observed).toBe(T0 + 9 * MIN);
    expect(kindsOf(h.published)).toEqual(['monitor_lagging', 'step_overdue:paid']);
    expect((await h.store.getMonitor()).lagging).toBe(false);
  });

  it('changes the index partition count under load by epochs, with no lost or double alert', async () => {
    const h = await harness(emu);
    const early = ['o-e1', 'o-e2', 'o-e3'];
    await h.send(early.map((cid) => ev('placed', 0, { cid, attributes: { items: 1 } })));
    await h.poller.drain();
    await h.tick(T0 + 1 * MIN);
    // The deployment changes the partition count: a new epoch, the first still read.
    h.sweeperDeps.indexShards = 4;
    await h.tick(T0 + 2 * MIN);
    expect((await h.store.indexEpochs({ fresh: true })).map((e) => [e.epoch, e.shards])).toEqual([
      [0, 16],
      [1, 4],
    ]);
    // Written once the consumers' cached map has expired, new instances go to the new epoch.
    h.now = T0 + 4 * MIN;
    const late = ['o-e4', 'o-e5'];
    await h.send(late.map((cid) => ev('placed', 3 * MIN, { cid, attributes: { items: 1 } })));
    await h.poller.drain();
    const item = await emu.dynamodb.send(
      new GetItemCommand({
        TableName: h.table,
        Key: { pk: { S: instancePk('order', 'o-e4') }, sk: { S: 'I' } },
      }),
    );
    expect(item.Item?.gsk?.S).toMatch(/^D#1\.[0-3]$/);
    for (let at = 5; at <= 25; at++) await h.tick(T0 + at * MIN);
    const expected = [...early, ...late].flatMap((cid) =>
      ['step_overdue:paid', 'step_overdue:picked', 'workflow_timed_out'].map((k) => `${cid} ${k}`),
    );
    expect(
      h.published.map((a) => `${a.correlationId} ${a.step ? `${a.kind}:${a.step}` : a.kind}`).sort(),
    ).toEqual(expected.sort());
    expect(new Set(h.published.map((a) => a.alertId)).size).toBe(h.published.length);
    // The first epoch drained (its items moved or ended) and is no longer read.
    expect((await h.store.indexEpochs({ fresh: true })).map((e) => e.epoch)).toEqual([1]);
  });
});
