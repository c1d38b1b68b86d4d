import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { suggest } from '../../src/replay/stats.js';
import { cli } from '../cli/run-cli.js';
import { line, MIN, SEC } from '../helpers.js';

const file = (name: string, text: string) => {
  const path = join(tmpdir(), `overdue-stats-${process.pid}-${name}`);
  writeFileSync(path, text);
  return path;
};

describe('overdue stats', () => {
  it('measures step latency from the step it comes after, cold and warm apart, attempts and failures', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 100; i++) {
      const cid = `o-${i}`;
      const at = i * MIN;
      lines.push(line({ step: 'placed', at, cid, attributes: { items: 1 } }));
      if (i % 10 === 0) lines.push(line({ step: 'paid', at: at + 5 * SEC, cid, status: 'failed' }));
      // paid 10–109 s after placed; every fifth a cold start, 100 s slower.
      const cold = i % 5 === 0;
      const paid = JSON.parse(line({ step: 'paid', at: at + (10 + i) * SEC + (cold ? 100 * SEC : 0), cid }));
      lines.push(JSON.stringify({ ...paid, coldStart: cold }));
    }
    const events = file('events.ndjson', `${lines.join('\n')}\n`);
    const { code, stdout } = await cli([
      'stats',
      '-c',
      'test/fixtures/stats.yml',
      '-e',
      events,
      '--json',
      '--suggest',
    ]);
    expect(code).toBe(0);
    const [order] = JSON.parse(stdout).workflows;
    expect(order.instances).toBe(100);
    expect(order.outcomes).toEqual({ completed: 100 });
    const paid = order.steps.find((s: { step: string }) => s.step === 'paid');
    expect(paid.done).toBe(100);
    expect(paid.latency.warm.count).toBe(80);
    expect(paid.latency.cold.count).toBe(20);
    // Warm runs are 11–109 s (not multiples of 5): the median within the sketch's 1% of 60 s.
    expect(Math.abs(paid.latency.warm.p50 - 60_000)).toBeLessThanOrEqual(2_000);
    expect(paid.latency.cold.p50).toBeGreaterThan(140_000);
    expect(paid.attemptsPerSuccess).toBe(1.1);
    expect(paid.failureRate).toBeCloseTo(10 / 110, 4);
    // The cold p99 (about 205 s) times 1.5 is about 307 s: the next round duration is 10m.
    expect(paid.suggestedWithinMs).toBe(10 * MIN);
    expect(paid.withinMs).toBe(5 * MIN);
  });

  it('suggests the smallest round duration at least 1.5 times the p99', () => {
    expect(suggest(700)).toBe(2_000);
    expect(suggest(40_000)).toBe(60_000);
    expect(suggest(undefined)).toBeNull();
    expect(suggest(10 * 86_400_000)).toBe(15 * 86_400_000);
  });

  it('prints a table per workflow for people, and says when there is nothing to measure', async () => {
    const table = await cli(['stats', '-c', 'examples/workflows.yml', '-e', 'examples/events.ndjson']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^order-fulfilment: 48 instances \(completed 33, /);
    expect(table.stdout).toContain('payment.authorized');
    const empty = await cli(['stats', '-c', 'examples/workflows.yml', '-e', file('empty.ndjson', '\n')]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('no valid event');
  });
});
