import { describe, expect, it } from 'vitest';
import { ProgressBar } from '../../src/cli/progress.js';
import { parseWorkflowFile } from '../../src/workflow/load.js';
import { ev, happyPath, kinds, MIN, replay, SEC } from '../helpers.js';

describe('Replayer', () => {
  it('reports invalid lines with their line number and goes on', () => {
    const result = replay(['not json', ...happyPath().map((e) => e), '{"eventId":"x"}'] as never, {
      drain: true,
    });
    expect(result.stats).toMatchObject({
      lines: 8,
      invalid: 2,
      events: 6,
      invalidByReason: { not_json: 1, bad_shape: 1 },
    });
    expect(result.invalidLines.map((l) => [l.line, l.reason])).toEqual([
      [1, 'not_json'],
      [8, 'bad_shape'],
    ]);
    expect(result.instances[0]?.status).toBe('completed');
  });

  it('invalid lines do not move observed time', () => {
    const result = replay([
      ev('placed', 0, { attributes: { items: 1 } }),
      '{"eventId":"1","correlationId":"o-1","step":"paid","time":"2030-01-01T00:00:00"}',
    ]);
    expect(result.stats.observedTime).toBe('2026-11-02T09:00:00.000Z');
  });

  it('--at before the last event time changes nothing: observed time never goes back', () => {
    const result = replay([ev('placed', 10 * MIN, { attributes: { items: 1 } })], { at: 0 });
    expect(result.stats.observedTime).toBe('2026-11-02T09:10:00.000Z');
  });

  it('processes deadlines that became final before the event that moved observed time', () => {
    // o-2's start at 3m moves T past o-1's paid deadline (2m + 30s): the alert comes first.
    const result = replay([
      ev('placed', 0, { attributes: { items: 1 } }),
      ev('placed', 3 * MIN, { cid: 'o-2', attributes: { items: 1 } }),
    ]);
    expect(result.alerts.map((a) => [a.correlationId, a.kind, a.detectedAt])).toEqual([
      ['o-1', 'step_overdue', '2026-11-02T09:03:00.000Z'],
    ]);
  });

  it('keeps a summary of instances past retention, and a late event after that opens a new instance', () => {
    const config = parseWorkflowFile(`
version: 1
defaults: { retention: 1h }
workflows:
  order:
    start: placed
    deadline: 15m
    steps: { paid: { within: 2m } }
`);
    const events = [
      ev('placed', 0),
      ev('paid', 1 * MIN),
      ev('placed', 2 * 60 * MIN, { cid: 'o-2' }), // T moves 2h on: o-1 is past retention
      ev('paid', 2 * 60 * MIN + 1 * SEC), // o-1 again: a new instance with no start
    ];
    const result = replay(events, { config, drain: true });
    expect(result.instances.map((i) => [i.correlationId, i.status])).toEqual([
      ['o-1', 'timed_out'],
      ['o-2', 'timed_out'],
    ]);
    expect(kinds(result)).toEqual(['step_overdue:paid', 'workflow_timed_out', 'workflow_timed_out']);
  });
});

describe('ProgressBar', () => {
  it('draws at most every 200 ms and clears itself', () => {
    const writes: string[] = [];
    let now = 1000;
    const stream = { write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream;
    const bar = new ProgressBar(1000, stream, () => now);
    bar.advance(500);
    bar.advance(100);
    now += 250;
    bar.advance(400);
    bar.finish();
    expect(writes).toHaveLength(3);
    expect(writes[0]).toContain(' 50%');
    expect(writes[1]).toContain('100%');
    expect(writes[2]).toBe('\r\x1b[2K');
  });

  it('without a total (stdin) shows bytes read, and only past its threshold', () => {
    const writes: string[] = [];
    let now = 1000;
    const stream = { write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream;
    const bar = new ProgressBar(undefined, stream, () => now, 2 * 1048576);
    bar.advance(1048576);
    now += 250;
    bar.advance(1048576);
    expect(writes).toEqual(['\r2.0 MiB read']);
  });
});
