import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toStreamRecords } from '../../src/aws/handlers.js';
import { checkHeartbeat, heartbeatRecord, newHeartbeatKey } from '../../src/runtime/heartbeat.js';

const key = newHeartbeatKey();
const FAR = 8.64e15;
const check = (text: string, notAfter = FAR, k: Uint8Array | undefined = key) =>
  checkHeartbeat(Buffer.from(text), k, notAfter);

describe('heartbeat records', () => {
  it('round-trip any time under the deployment key', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 50 }), (t) => {
        expect(check(heartbeatRecord(t, key))).toEqual({ kind: 'beat', time: t });
      }),
    );
  });

  it('are not confused with telemetry or garbage', () => {
    for (const text of [
      '{"eventId":"1","correlationId":"o","step":"s","time":1}',
      '{"eventId":"1","correlationId":"o","step":"s","time":1,"attributes":{"overdue":"x"}}',
      '{"overdue":"heartbeat","time":12',
      '',
    ]) {
      expect(check(text)).toEqual({ kind: 'none' });
    }
  });

  it('without proof, with a wrong proof or under another key are forged', () => {
    const t = Date.parse('2026-11-02T09:00:00Z');
    const other = newHeartbeatKey();
    const genuine = JSON.parse(heartbeatRecord(t, key)) as { mac: string };
    for (const [text, message] of [
      [`{"overdue":"heartbeat","time":${t}}`, /no proof/],
      [`{"overdue":"heartbeat","time":${t + 30 * 86_400_000},"mac":"${genuine.mac}"}`, /does not match/],
      [heartbeatRecord(t, other), /does not match/],
      [`{"overdue":"heartbeat","time":${t},"mac":"short"}`, /does not match/],
      ['{"overdue":"heartbeat","time":-5,"mac":"x"}', /whole number/],
      ['{"overdue":"heartbeat","time":1.5,"mac":"x"}', /whole number/],
    ] as const) {
      const result = check(text);
      expect(result.kind).toBe('forged');
      expect(result.kind === 'forged' && result.message).toMatch(message);
    }
    // Before the first sweep created the key, nothing can be a genuine heartbeat.
    expect(checkHeartbeat(Buffer.from(heartbeatRecord(t, key)), undefined, FAR).kind).toBe('forged');
  });

  it('ahead of the consumer clock plus the skew is refused even with a valid proof', () => {
    const now = Date.parse('2026-11-02T09:00:00Z');
    expect(check(heartbeatRecord(now + 60_000, key), now + 120_000).kind).toBe('beat');
    const ahead = check(heartbeatRecord(now + 121_000, key), now + 120_000);
    expect(ahead).toMatchObject({
      kind: 'forged',
      message: expect.stringMatching(/ahead of this consumer's clock/),
    });
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
