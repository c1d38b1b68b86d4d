import { describe, expect, it } from 'vitest';
import { backoffMs, retryRemaining } from '../src/retry.js';

describe('retryRemaining', () => {
  it('sends again only what was refused, waiting longer each time, and returns what was still refused', async () => {
    const waits: number[] = [];
    const sent: number[][] = [];
    const left = await retryRemaining(
      [1, 2, 3, 4],
      async (pending) => {
        sent.push([...pending]);
        return pending.filter((n) => n % 2 === 0 && sent.length < 4); // evens refused three times
      },
      { attempts: 6, baseMs: 100, jitter: 0, sleep: async (ms) => void waits.push(ms) },
    );
    expect(sent).toEqual([
      [1, 2, 3, 4],
      [2, 4],
      [2, 4],
      [2, 4],
    ]);
    expect(waits).toEqual([100, 200, 400]);
    expect(left).toEqual([]);
  });

  it('gives up after its attempts, with the items still refused', async () => {
    let calls = 0;
    const left = await retryRemaining(
      ['a', 'b'],
      async (pending) => {
        calls++;
        return pending.slice(1);
      },
      { attempts: 1, baseMs: 10, sleep: async () => {} },
    );
    expect(calls).toBe(1);
    expect(left).toEqual(['b']);
  });

  it('caps and jitters its waits', () => {
    const options = { attempts: 10, baseMs: 100, maxMs: 1000, jitter: 0.5, random: () => 0 };
    expect([2, 3, 4, 5, 6].map((n) => backoffMs(n, options))).toEqual([50, 100, 200, 400, 500]);
    expect(backoffMs(2, { ...options, random: () => 1 })).toBe(100);
  });
});
