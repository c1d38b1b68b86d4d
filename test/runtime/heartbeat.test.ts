import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toStreamRecords } from '../../src/aws/handlers.js';
import { heartbeatRecord, heartbeatTime } from '../../src/runtime/heartbeat.js';

describe('heartbeat records', () => {
  it('round-trip any time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 50 }), (t) => {
        expect(heartbeatTime(Buffer.from(heartbeatRecord(t)))).toBe(t);
      }),
    );
  });

  it('are not confused with telemetry or garbage', () => {
    for (const text of [
      '{"eventId":"1","correlationId":"o","step":"s","time":1}',
      '{"overdue":"heartbeat","time":-5}',
      '{"overdue":"heartbeat","time":1.5}',
      '{"overdue":"heartbeat","time":12',
      '',
    ]) {
      expect(heartbeatTime(Buffer.from(text))).toBeUndefined();
    }
  });
});

describe('Lambda Kinesis events', () => {
  it('become stream records with shard, sequence number, bytes and arrival in ms', () => {
    const [record] = toStreamRecords({
      Records: [
        {
          eventID: 'shardId-000000000003:49590338271490256608559692538361571095921575989136588898',
          kinesis: {
            kinesisSchemaVersion: '1.0',
            partitionKey: 'o-1',
            sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
            data: Buffer.from('{"a":1}').toString('base64'),
            approximateArrivalTimestamp: 1795680000.123,
          },
          eventSource: 'aws:kinesis',
          eventVersion: '1.0',
          eventName: 'aws:kinesis:record',
          invokeIdentityArn: 'arn',
          awsRegion: 'eu-west-1',
          eventSourceARN: 'arn',
        },
      ],
    });
    expect(record?.shardId).toBe('shardId-000000000003');
    expect(record?.sequenceNumber).toBe('49590338271490256608559692538361571095921575989136588898');
    expect(Buffer.from(record?.data ?? []).toString()).toBe('{"a":1}');
    expect(record?.arrival).toBe(1795680000123);
  });
});
