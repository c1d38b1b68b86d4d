import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { newInstance } from '../../src/engine/transition.js';
import type { StoredInstance } from '../../src/runtime/ports.js';
import { DynamoDbStore, instanceItem } from '../../src/store/dynamodb-store.js';
import { StoreError, VersionConflictError } from '../../src/store/errors.js';
import { indexShard, instancePk, QUARANTINE_SHARDS, quarantineShard } from '../../src/store/keys.js';

const ddb = mockClient(DynamoDBClient);
const store = () => new DynamoDbStore(new DynamoDBClient({}), 'overdue');
beforeEach(() => {
  ddb.reset();
  ddb.on(GetItemCommand).resolves({}); // no index map yet: the first epoch
});

function stored(version: number, wk?: number): StoredInstance {
  const instance = newInstance('order', 'o-1');
  instance.wk = wk;
  return { key: instancePk('order', 'o-1'), instance, version, pending: [], indexed: undefined };
}

describe('DynamoDbStore', () => {
  it('creates an instance only if absent, indexed by its wake-up in its shard', async () => {
    ddb.on(PutItemCommand).resolves({});
    const s = stored(0, 1_000);
    const written = await store().putInstance(s, undefined);
    const input = ddb.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(input?.Item).toMatchObject({
      pk: { S: 'I#order#o-1' },
      sk: { S: 'I' },
      ver: { N: '1' },
      gsk: { S: indexShard('I#order#o-1') },
      due: { N: '1000' },
    });
    expect(input?.Item?.ttl).toBeUndefined();
    expect(JSON.parse(input?.Item?.doc?.S as string)).toMatchObject({ wf: 'order', id: 'o-1' });
    expect(written).toEqual({ version: 1, indexed: 1_000 });
    expect(s.version).toBe(0); // the caller's object is not changed: the write returns the new version
  });

  it('updates conditionally on the version read, makes pending alerts due at once, and sets the TTL', async () => {
    ddb.on(PutItemCommand).resolves({});
    const s = stored(3, 5_000);
    s.pending = [{ alertId: 'x' } as never];
    await store().putInstance(s, 1_800_000_000_500);
    const input = ddb.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBe('ver = :v');
    expect(input?.ExpressionAttributeValues).toEqual({ ':v': { N: '3' } });
    expect(input?.Item).toMatchObject({ ver: { N: '4' }, due: { N: '0' }, ttl: { N: '1800000001' } });
    expect(JSON.parse(input?.Item?.out?.S as string)).toEqual([{ alertId: 'x' }]);
  });

  it('keeps an earlier wake-up the index already holds, and takes a new earlier one', async () => {
    ddb.on(PutItemCommand).resolves({});
    const later = stored(3, 9_000);
    later.indexed = 5_000;
    const a = await store().putInstance(later, undefined);
    const earlier = stored(3, 2_000);
    earlier.indexed = 5_000;
    const b = await store().putInstance(earlier, undefined);
    const dues = ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input.Item?.due?.N);
    expect(dues).toEqual(['5000', '2000']);
    expect([a.indexed, b.indexed]).toEqual([5_000, 2_000]);
  });

  it('leaves an ended instance out of the index', async () => {
    ddb.on(PutItemCommand).resolves({});
    await store().putInstance(stored(1), 1);
    const item = ddb.commandCalls(PutItemCommand)[0]?.args[0].input.Item;
    expect(item?.gsk).toBeUndefined();
    expect(item?.due).toBeUndefined();
  });

  it('turns a failed condition into a VersionConflictError, anything else into a StoreError with its cause', async () => {
    ddb
      .on(PutItemCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }))
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }));
    const conflict = await store()
      .putInstance(stored(2), undefined)
      .catch((e) => e);
    expect(conflict).toBeInstanceOf(VersionConflictError);
    expect(conflict.name).toBe('VersionConflictError');
    const other = await store()
      .putInstance(stored(2), undefined)
      .catch((e) => e);
    expect(other).toBeInstanceOf(StoreError);
    expect(other.message).toBe(
      'PutItem I#order#o-1 failed: ProvisionedThroughputExceededException: slow down',
    );
    expect(other.cause.name).toBe('ProvisionedThroughputExceededException');
  });

  it('reads instances eventually consistent unless asked, and retries unprocessed keys', async () => {
    const item = (id: string) => ({
      pk: { S: instancePk('order', id) },
      sk: { S: 'I' },
      ver: { N: '2' },
      doc: { S: JSON.stringify(newInstance('order', id)) },
    });
    ddb
      .on(BatchGetItemCommand)
      .resolvesOnce({
        Responses: { overdue: [item('a')] },
        UnprocessedKeys: { overdue: { Keys: [{ pk: { S: 'I#order#b' }, sk: { S: 'I' } }] } },
      })
      .resolvesOnce({ Responses: { overdue: [item('b')] } });
    const found = await store().getInstances(['I#order#a', 'I#order#b']);
    expect([...found.keys()]).toEqual(['I#order#a', 'I#order#b']);
    expect(found.get('I#order#b')?.version).toBe(2);
    const calls = ddb.commandCalls(BatchGetItemCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.args[0].input.RequestItems?.overdue?.ConsistentRead).toBe(false);
    expect(calls[1]?.args[0].input.RequestItems?.overdue?.ConsistentRead).toBe(false);
  });

  it('quarantines UTF-8 verbatim, other bytes as base64, and cuts what no item can hold', async () => {
    ddb.on(BatchWriteItemCommand).resolves({});
    const record = (payload: Uint8Array, seq: string) => ({
      payload,
      reason: 'not_json',
      message: 'not JSON',
      shardId: 'shardId-000000000001',
      sequenceNumber: seq,
      arrival: Date.parse('2026-11-26T10:15:00Z'),
    });
    await store().quarantine(
      [
        record(Buffer.from('{"oops'), '1'),
        record(Uint8Array.from([0xff, 0xfe, 0x00]), '2'),
        record(Buffer.alloc(400_000, 'a'), '3'),
      ],
      Date.parse('2026-12-10T10:15:00Z'),
    );
    const items = ddb
      .commandCalls(BatchWriteItemCommand)[0]
      ?.args[0].input.RequestItems?.overdue?.map((w) => w.PutRequest?.Item);
    expect(items?.[0]).toMatchObject({
      pk: { S: `Q#2026-11-26T10#${quarantineShard('shardId-000000000001', '1')}` },
      sk: { S: '2026-11-26T10:15:00.000Z#shardId-000000000001#1' },
      payload: { S: '{"oops' },
      reason: { S: 'not_json' },
      shard: { S: 'shardId-000000000001' },
      seq: { S: '1' },
      ttl: { N: String(Date.parse('2026-12-10T10:15:00Z') / 1000) },
    });
    expect(items?.[1]?.payloadBase64).toEqual({ S: '//4A' });
    expect(items?.[2]?.payload?.S?.length).toBe(300_000);
    expect(items?.[2]).toMatchObject({ truncated: { BOOL: true }, bytes: { N: '400000' } });
  });

  it("spreads quarantined records over the hour's write shards, stably per record", () => {
    const shards = new Set(
      Array.from({ length: 200 }, (_, i) => quarantineShard('shardId-000000000000', String(i))),
    );
    expect(shards.size).toBe(QUARANTINE_SHARDS);
    expect(quarantineShard('s', '7')).toBe(quarantineShard('s', '7'));
  });

  it('indexes an item in the current epoch: D#<n> in the first, D#<epoch>.<n> after a resize', async () => {
    const first = instanceItem(stored(0, 1_000), '{}', undefined).item.gsk?.S;
    expect(first).toBe(indexShard('I#order#o-1'));
    const later = instanceItem(stored(0, 1_000), '{}', undefined, { epoch: 3, shards: 64, since: 0 }).item.gsk
      ?.S;
    expect(later).toMatch(/^D#3\.\d+$/);
    expect(Number(later?.split('.')[1])).toBeLessThan(64);
  });
});
