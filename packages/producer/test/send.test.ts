import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { partitionKeyOf, sendEvents } from '../src/send.js';

const kinesis = mockClient(KinesisClient);
beforeEach(() => kinesis.reset());
const noWait = async () => {};
const event = (i: number, size = 10) =>
  JSON.stringify({ eventId: `e${i}`, correlationId: `o-${i % 7}`, pad: 'x'.repeat(size) });

describe('sendEvents', () => {
  it('keys each record by its correlation ID, whatever the envelope', () => {
    expect(partitionKeyOf('{"correlationId":"o-1"}')).toBe('o-1');
    expect(partitionKeyOf('{"specversion":"1.0","correlationid":"o-2"}')).toBe('o-2');
    expect(partitionKeyOf('{"specversion":"1.0","subject":"o-3"}')).toBe('o-3');
    expect(partitionKeyOf('{"detail-type":"x","detail":{"correlationId":"o-4"}}')).toBe('o-4');
    expect(partitionKeyOf('not json')).toBe('not json');
  });

  it('splits into calls of at most 500 records and 5 MiB', async () => {
    kinesis.on(PutRecordsCommand).callsFake((input) => ({
      FailedRecordCount: 0,
      Records: input.Records.map(() => ({ SequenceNumber: '1', ShardId: 's' })),
    }));
    const small = Array.from({ length: 1201 }, (_, i) => event(i));
    expect(await sendEvents(new KinesisClient({}), 's', small, { sleep: noWait })).toEqual({
      sent: 1201,
      failed: [],
    });
    const large = Array.from({ length: 12 }, (_, i) => event(i, 1024 * 1024 - 100));
    await sendEvents(new KinesisClient({}), 's', large, { sleep: noWait });
    const sizes = kinesis.commandCalls(PutRecordsCommand).map((c) => c.args[0].input.Records?.length);
    expect(sizes).toEqual([500, 500, 201, 5, 5, 2]);
    for (const call of kinesis.commandCalls(PutRecordsCommand)) {
      const bytes = (call.args[0].input.Records ?? []).reduce(
        (n, r) => n + (r.Data as Uint8Array).byteLength + (r.PartitionKey as string).length,
        0,
      );
      expect(bytes).toBeLessThanOrEqual(5 * 1024 * 1024);
    }
    expect(kinesis.commandCalls(PutRecordsCommand)[0]?.args[0].input.Records?.[3]?.PartitionKey).toBe('o-3');
  });

  it('retries only the records Kinesis refused, and reports those it never took', async () => {
    let call = 0;
    kinesis.on(PutRecordsCommand).callsFake((input) => {
      call++;
      // The first record is throttled every time; the second only on the first call.
      return {
        FailedRecordCount: 1,
        Records: input.Records.map((r: { Data: Uint8Array }) => {
          const id = JSON.parse(Buffer.from(r.Data).toString()).eventId;
          return id === 'e0' || (id === 'e1' && call === 1)
            ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' }
            : { SequenceNumber: '1', ShardId: 's' };
        }),
      };
    });
    const result = await sendEvents(new KinesisClient({}), 's', [event(0), event(1), event(2)], {
      sleep: noWait,
      attempts: 3,
    });
    expect(result).toEqual({
      sent: 2,
      failed: [{ line: 1, error: 'ProvisionedThroughputExceededException: Rate exceeded' }],
    });
    expect(kinesis.commandCalls(PutRecordsCommand).map((c) => c.args[0].input.Records?.length)).toEqual([
      3, 2, 1,
    ]);
  });
});
