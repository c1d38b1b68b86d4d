import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStream, type Emulators, startEmulators } from '../../src/local/emulators.js';
import { KinesisPoller } from '../../src/local/kinesis-poller.js';

let emu: Emulators;
beforeAll(async () => {
  emu = await startEmulators();
});
afterAll(async () => {
  await emu?.stop();
});

describe('the local poller', () => {
  it('backs off after a failed batch instead of retrying it at once, and resumes when it succeeds', async () => {
    await createStream(emu.kinesis, 'poison', 1);
    await emu.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'poison',
        Records: [{ Data: Buffer.from('x'), PartitionKey: 'k' }],
      }),
    );
    let now = 0;
    const calls: number[] = [];
    let healthy = false;
    const poller = new KinesisPoller(
      emu.kinesis,
      'poison',
      async () => {
        calls.push(now);
        if (!healthy) throw new Error('handler keeps failing');
        return { batchItemFailures: [] };
      },
      { batchSize: 10, clock: () => now },
    );
    for (; now < 1000; now += 10) await poller.pollOnce();
    // 0, then 100 ms, 200 ms, 400 ms later: not a hundred retries a second.
    expect(calls).toEqual([0, 100, 300, 700]);
    expect(poller.backoff.get('shardId-000000000000')?.failures).toBe(4);
    healthy = true;
    for (; now < 3000; now += 10) await poller.pollOnce();
    expect(calls.at(-1)).toBe(1500);
    expect(poller.backoff.size).toBe(0);
    expect(poller.positions.size).toBe(1);
  });
});
