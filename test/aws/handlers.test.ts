import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { sweeperHandler } from '../../src/aws/handlers.js';
import { lambdaContext } from '../../src/local/lambda-context.js';
import type { SweeperDeps } from '../../src/runtime/sweep.js';
import { orderConfig } from '../helpers.js';
import { MemoryStore } from '../support/memory-store.js';

describe('sweeper handler', () => {
  it('sweeps until just before the next scheduled invocation, not until its longer timeout', async () => {
    let now = 0;
    const beats: number[] = [];
    const store = new MemoryStore();
    store.watermarks.set('s-0', 0);
    const deps: SweeperDeps = {
      config: orderConfig(),
      store,
      publisher: { publish: async () => ({ published: new Set(), failed: [] }) },
      heartbeats: {
        shards: async () => [{ id: 's-0', parents: [], open: true }],
        // Each sweep "takes" 5 s: the clock moves with the heartbeats, and the loop's sleeps are 0.
        beat: async () => {
          beats.push(now);
          now += 5_000;
        },
      },
      metrics: { count() {}, timing() {}, gauge() {} },
      logger: { info() {}, warn() {}, error() {} },
      clock: () => now,
      lagThresholdMs: 3_600_000,
      lagSeverity: 'high',
      streamName: 's',
      cache: {},
    };
    const handler = sweeperHandler(
      deps,
      { everyMs: 5_000, safetyMarginMs: 5_000, periodMs: 60_000, minSweepMs: 4_000 },
      new Logger({ logLevel: 'SILENT' }),
    );
    await handler({}, lambdaContext('sweeper', 75_000));
    expect(beats).toEqual(Array.from({ length: 12 }, (_, i) => i * 5_000));
  });
});
