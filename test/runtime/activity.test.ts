import { describe, expect, it } from 'vitest';
import type { Instance } from '../../src/engine/instance.js';
import { OutcomeTally, recordSent } from '../../src/runtime/activity.js';
import { MemoryStore } from '../support/memory-store.js';

const ended = (wf: string, st: Instance['st'], late = false): Instance => ({
  v: 1,
  wf,
  id: 'x',
  st,
  done: {},
  seen: [],
  tl: [],
  ...(late ? { late: true } : {}),
});
const T = Date.parse('2026-11-28T10:00:30Z');
const logs: string[] = [];
const logger = { info() {}, warn: (m: string) => logs.push(m), error() {} };

describe('activity for the console', () => {
  it('adds up ended instances per workflow and minute, late ones apart, running ones not at all', async () => {
    const store = new MemoryStore();
    const tally = new OutcomeTally();
    tally.add(ended('order', 'completed'), T);
    tally.add(ended('order', 'completed', true), T + 1000);
    tally.add(ended('order', 'failed'), T + 40_000); // the next minute
    tally.add(ended('order', 'running'), T);
    tally.add(ended('search', 'timed_out'), T);
    await tally.flush({ store, logger, clock: () => T });
    expect(Object.fromEntries(store.outcomes)).toEqual({
      'order@2026-11-28T10:00': { completed: 2, late: 1 },
      'order@2026-11-28T10:01': { failed: 1 },
      'search@2026-11-28T10:00': { timed_out: 1 },
    });
    // One write per workflow and minute; a second flush has nothing left to write.
    expect(store.calls.filter((c) => c === 'addOutcomes')).toHaveLength(1);
    await tally.flush({ store, logger, clock: () => T });
    expect(store.calls.filter((c) => c === 'addOutcomes')).toHaveLength(1);
  });

  it('a failing record costs the console a log line, never the batch', async () => {
    const store = new MemoryStore().failNext('addOutcomes').failNext('recordSent');
    const tally = new OutcomeTally();
    tally.add(ended('order', 'completed'), T);
    await expect(tally.flush({ store, logger, clock: () => T })).resolves.toBeUndefined();
    await expect(
      recordSent([{ alertId: 'a' } as never], { store, logger, clock: () => T }),
    ).resolves.toBeUndefined();
    expect(logs).toEqual([
      'could not record outcomes for the console',
      'could not record sent alerts for the console',
    ]);
  });
});
