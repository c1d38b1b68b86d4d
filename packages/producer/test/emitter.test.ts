import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createEmitter, InvalidEventError } from '../src/index.js';

const kinesis = mockClient(KinesisClient);
beforeEach(() => kinesis.reset());
const noWait = async () => {};
const accept = () =>
  kinesis.on(PutRecordsCommand).callsFake((input) => ({
    FailedRecordCount: 0,
    Records: input.Records.map(() => ({ SequenceNumber: '1', ShardId: 's' })),
  }));
const emitter = (attempts = 4) =>
  createEmitter({
    streamName: 'telemetry',
    client: new KinesisClient({}),
    sleep: noWait,
    attempts,
    source: 'payments',
  });

describe('createEmitter', () => {
  it('fills in eventId, time and source, and keys records by correlation ID', async () => {
    accept();
    const e = emitter();
    e.emit({ correlationId: 'o-1', workflow: 'order', step: 'paid', time: new Date('2026-11-26T10:00:00Z') });
    expect(e.pending).toBe(1);
    expect(await e.flush()).toEqual({ sent: 1, failed: [] });
    const [record] = kinesis.commandCalls(PutRecordsCommand)[0]?.args[0].input.Records ?? [];
    expect(record?.PartitionKey).toBe('o-1');
    const sent = JSON.parse(Buffer.from(record?.Data as Uint8Array).toString());
    expect(sent).toMatchObject({
      correlationId: 'o-1',
      step: 'paid',
      time: '2026-11-26T10:00:00.000Z',
      source: 'payments',
    });
    expect(sent.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(e.pending).toBe(0);
  });

  it('throws at the call site for what the consumer would quarantine', () => {
    const e = emitter();
    const refused = (event: object) => {
      try {
        e.emit(event as never);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidEventError);
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(refused({ step: 'paid' })).toBe('not a valid telemetry event: correlationId is missing');
    expect(refused({ correlationId: 'o-1', step: 'paid', time: '2026-11-26 10:00' })).toMatch(
      /not ISO-8601 with an offset/,
    );
    expect(refused({ correlationId: 'o-1', step: 'paid', durationMs: -1 })).toMatch(
      /^not a valid telemetry event: durationMs:/,
    );
    expect(
      refused({ correlationId: 'o-1', step: 'paid', attributes: { blob: 'x'.repeat(1024 * 1024) } }),
    ).toMatch(/Kinesis takes at most 1 MiB/);
    expect(e.pending).toBe(0);
  });

  it('retries only the records Kinesis refused and splits at 500 records a call', async () => {
    let calls = 0;
    kinesis.on(PutRecordsCommand).callsFake((input) => {
      calls++;
      return {
        FailedRecordCount: calls === 1 ? 2 : 0,
        Records: input.Records.map((_: unknown, i: number) =>
          calls === 1 && i < 2
            ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' }
            : { SequenceNumber: '1', ShardId: 's' },
        ),
      };
    });
    const e = emitter();
    for (let i = 0; i < 600; i++) e.emit({ correlationId: `o-${i}`, step: 'paid' });
    expect(await e.flush()).toEqual({ sent: 600, failed: [] });
    expect(kinesis.commandCalls(PutRecordsCommand).map((c) => c.args[0].input.Records?.length)).toEqual([
      500, 2, 100,
    ]);
  });

  it('returns what could not be sent after the last attempt, whole events, never dropping them', async () => {
    kinesis
      .on(PutRecordsCommand)
      .rejects(Object.assign(new Error('stream gone'), { name: 'ResourceNotFoundException' }));
    const e = emitter(2);
    e.emit({ correlationId: 'o-1', step: 'paid', eventId: 'e-1' });
    const result = await e.flush();
    expect(result.sent).toBe(0);
    expect(result.failed).toEqual([
      {
        event: expect.objectContaining({ eventId: 'e-1', correlationId: 'o-1' }),
        error: 'ResourceNotFoundException: stream gone',
      },
    ]);
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(2);
  });
});
