import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/workflow/duration.js';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['1.5s', 1500],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['PT15M', 900_000],
    ['PT0.5S', 500],
    ['P1DT2H', 93_600_000],
    ['P2W', 1_209_600_000],
    ['pt1h', 3_600_000],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '15', '15 m', 'm15', 'P', 'PT', 'P1M', 'P1Y', '1w', '-5s'])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('formats for people', () => {
    expect(formatDuration(450)).toBe('450ms');
    expect(formatDuration(90_000)).toBe('1m 30s');
    expect(formatDuration(93_601_500)).toBe('1d 2h 1.5s');
    expect(formatDuration(-2000)).toBe('-2s');
  });
});
