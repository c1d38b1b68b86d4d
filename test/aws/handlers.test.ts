import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { sweeperHandler } from '../../src/aws/handlers.js';
import { lambdaContext } from '../../src/local/lambda-context.js';
import { loopDeps } from '../support/sweeper-deps.js';

describe('sweeper handler', () => {
  it('sweeps until just before the next scheduled invocation, not until its longer timeout', async () => {
    let now = 0;
    const beats: number[] = [];
    // Each sweep "takes" 5 s: the clock moves with the heartbeats, and the loop's sleeps are 0.
    const deps = loopDeps(
      () => now,
      () => {
        beats.push(now);
        now += 5_000;
      },
    );
    const handler = sweeperHandler(
      deps,
      { everyMs: 5_000, safetyMarginMs: 5_000, periodMs: 60_000, minSweepMs: 4_000 },
      new Logger({ logLevel: 'SILENT' }),
    );
    await handler({}, lambdaContext('sweeper', 75_000));
    expect(beats).toEqual(Array.from({ length: 12 }, (_, i) => i * 5_000));
  });
});
