import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeAlert } from '../../src/alerts/format.js';
import {
  addSample,
  mergeWindows,
  newSketch,
  newWindow,
  SKETCH_ACCURACY,
} from '../../src/engine/baselines.js';
import { Replayer } from '../../src/replay/replayer.js';
import { parseWorkflowFile } from '../../src/workflow/load.js';
import { MIN, SEC, T0 } from '../helpers.js';

const config = parseWorkflowFile(
  `
version: 1
defaults: { grace: 30s }
workflows:
  order:
    start: placed
    deadline: 15m
    latency: { factor: 2, minSamples: 100, window: 10m }
    steps:
      paid: { within: 2m }
    complete: [paid]
`,
  'latency.yml',
);

/**
 * Orders every 3 s for 80 minutes (200 a window); `paid` follows `placed` after `latency(i, minute)`
 * ms, every tenth run a cold start.
 */
function traffic(latency: (cold: boolean, minute: number, i: number) => number): string[] {
  const lines: { at: number; line: string }[] = [];
  for (let i = 0; i < 1600; i++) {
    const start = T0 + i * 3 * SEC;
    const cold = i % 10 === 0;
    const ms = latency(cold, Math.floor((i * 3 * SEC) / MIN), i);
    const event = (step: string, at: number, more: object = {}) =>
      JSON.stringify({
        eventId: `${step}-${i}`,
        correlationId: `o-${i}`,
        workflow: 'order',
        step,
        time: new Date(at).toISOString(),
        ...more,
      });
    lines.push({ at: start, line: event('placed', start) });
    lines.push({ at: start + ms, line: event('paid', start + ms, { coldStart: cold, durationMs: ms }) });
  }
  return lines.sort((a, b) => a.at - b.at).map((l) => l.line);
}

// Deterministic jitter: 600–1,000 ms warm, 2–3 s cold.
const jitter = (i: number) => ((i * 7919) % 401) / 400;
const normal = (cold: boolean, i: number) => (cold ? 2000 + 1000 * jitter(i) : 600 + 400 * jitter(i));

function run(lines: string[]) {
  const replayer = new Replayer(config);
  for (const line of lines) replayer.push(line);
  return replayer.finish();
}

describe('learned latency baselines', () => {
  it('raises exactly one latency_shift for a step whose warm latency tripled for one window', () => {
    const result = run(
      traffic((cold, minute, i) => normal(cold, i) * (!cold && minute >= 50 && minute < 60 ? 3 : 1)),
    );
    const shifts = result.alerts.filter((a) => a.kind === 'latency_shift');
    expect(shifts).toHaveLength(1);
    const [shift] = shifts;
    expect(shift).toMatchObject({
      workflow: 'order',
      step: 'paid',
      correlationId: 'paid@2026-11-02T09:50:00.000Z',
      latency: {
        windowStart: '2026-11-02T09:50:00.000Z',
        windowEnd: '2026-11-02T10:00:00.000Z',
        factor: 2,
        runs: 200,
        coldStarts: 0.1,
      },
    });
    const latency = shift?.latency;
    // Tripled: p50 about 2.4 s against 0.8 s, within the sketch's accuracy and the jitter.
    expect(latency?.recent.p50).toBeGreaterThan(2 * 1000);
    expect(latency?.baseline.p50).toBeLessThan(900);
    expect(latency?.baseline.count).toBe(4 * 180);
    // Every warm run of the window is slower than the baseline's p99; the cold ones are not.
    expect(latency?.slower).toBeGreaterThanOrEqual(175);
    expect(latency?.slower).toBeLessThanOrEqual(185);
    expect(describeAlert(shift as never)).toMatch(
      /p99 \d\.\d s vs [\d.]+ m?s warm baseline \(p50 .*\); 1\d\d of 200 runs slower; cold starts 10%/,
    );
    expect(result.notes).toEqual([]);
  });

  it('raises none when only cold starts got slower, and says so', () => {
    const result = run(
      traffic((cold, minute, i) => normal(cold, i) * (cold && minute >= 50 && minute < 60 ? 5 : 1)),
    );
    expect(result.alerts.filter((a) => a.kind === 'latency_shift')).toEqual([]);
    expect(result.notes).toEqual([
      expect.stringMatching(
        /^order paid 2026-11-02T09:50:00.000Z–2026-11-02T10:00:00.000Z: cold starts slower \(p99 1\d\.\d s vs 3.0 s cold baseline, 20 cold runs\); warm runs within their baseline, so no latency_shift$/,
      ),
    ]);
  });

  it('raises nothing on steady traffic, nor before a baseline has enough runs', () => {
    const result = run(traffic((cold, _minute, i) => normal(cold, i)));
    expect(result.alerts).toEqual([]);
    expect(result.notes).toEqual([]);
  });

  it('merges sketches in any order and split across containers into the quantiles of one sketch', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 60_000, noNaN: true }), { minLength: 1, maxLength: 400 }),
        fc.array(fc.nat(5), { minLength: 1, maxLength: 400 }),
        fc.infiniteStream(fc.nat()),
        (values, owners, seeds) => {
          const whole = newSketch();
          for (const v of values) whole.accept(v);
          // Split across six containers, as consumers on different shards would hold them...
          const parts = Array.from({ length: 6 }, () => newWindow());
          values.forEach((v, i) => {
            addSample(parts[owners[i % owners.length] as number] as never, { ms: v, cold: false });
          });
          // ...and merged in a random order.
          const order = [...parts];
          const it = seeds[Symbol.iterator]();
          for (let i = order.length - 1; i > 0; i--) {
            const j = (it.next().value as number) % (i + 1);
            [order[i], order[j]] = [order[j] as never, order[i] as never];
          }
          const merged = order.reduce((into, part) => mergeWindows(into, part), newWindow()).warm;
          expect(merged.count).toBe(values.length);
          for (const q of [0, 0.5, 0.9, 0.99, 1]) {
            const a = merged.getValueAtQuantile(q);
            const b = whole.getValueAtQuantile(q);
            expect(Math.abs(a - b)).toBeLessThanOrEqual(b * SKETCH_ACCURACY * 2 + 1e-9);
            // And both within the stated accuracy of the true quantile.
            const sorted = [...values].sort((x, y) => x - y);
            const truth = sorted[Math.floor(q * (sorted.length - 1))] as number;
            expect(Math.abs(b - truth)).toBeLessThanOrEqual(truth * SKETCH_ACCURACY + 1e-9);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
