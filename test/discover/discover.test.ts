import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileDuration } from '../../src/discover/discover.js';
import { loadWorkflowFile, parseWorkflowFile } from '../../src/workflow/load.js';
import type { WorkflowModel } from '../../src/workflow/model.js';
import { cli } from '../cli/run-cli.js';

/** Every step a step comes after, directly or through others (the start when it names none). */
function afterClosure(model: WorkflowModel): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const visit = (i: number, into: Set<string>) => {
    for (const a of model.steps[i]?.after ?? []) {
      const name = model.steps[a]?.name as string;
      if (into.has(name)) continue;
      into.add(name);
      visit(a, into);
    }
  };
  for (const step of model.steps) {
    const set = new Set<string>();
    visit(step.index, set);
    out.set(step.name, set);
  }
  return out;
}

describe('overdue discover', () => {
  it('proposes from the example recording a file equivalent to examples/workflows.yml', async () => {
    const { code, stdout, stderr } = await cli(['discover', '--events', 'examples/events.ndjson']);
    expect(code).toBe(0);
    const proposed = parseWorkflowFile(stdout, 'discovered.yml');
    const file = loadWorkflowFile('examples/workflows.yml');
    expect([...proposed.workflows.keys()].sort()).toEqual([...file.workflows.keys()].sort());
    for (const [name, expected] of file.workflows) {
      const got = proposed.workflows.get(name) as WorkflowModel;
      const stepsOf = (m: WorkflowModel, optional: boolean) =>
        m.steps
          .filter((s) => s.underSteps && s.required !== optional)
          .map((s) => s.name)
          .sort();
      expect(got.steps[0]?.name, name).toBe(expected.steps[0]?.name);
      // The same steps, required and optional alike.
      expect(stepsOf(got, false), name).toEqual(stepsOf(expected, false));
      expect(stepsOf(got, true), name).toEqual(stepsOf(expected, true));
      // Every order the file states holds in the proposal (which may state more).
      const closure = afterClosure(got);
      for (const step of expected.steps.filter((s) => s.underSteps && s.required)) {
        for (const a of step.after) {
          if (a === 0) continue;
          expect(
            closure.get(step.name)?.has(expected.steps[a]?.name as string),
            `${name}: ${step.name} after`,
          ).toBe(true);
        }
      }
      // The outcome lists, and a deadline within 2x of the file's.
      const outcomes = (m: WorkflowModel) => ({
        fail: m.steps.filter((s) => s.fails).map((s) => s.name),
        cancel: m.steps.filter((s) => s.cancels).map((s) => s.name),
      });
      expect(outcomes(got), name).toEqual(outcomes(expected));
      expect(got.deadlineMs / expected.deadlineMs, name).toBeLessThanOrEqual(2);
      expect(got.deadlineMs / expected.deadlineMs, name).toBeGreaterThanOrEqual(0.5);
    }
    const order = proposed.workflows.get('order-fulfilment') as WorkflowModel;
    const picked = order.steps.find((s) => s.name === 'item.picked');
    expect(picked?.count).toEqual({ from: 0, attribute: 'itemCount' });
    // What it left out, and why.
    expect(stderr).toContain(
      'left out user-signup: step email.verifed (2 instances) looks like a misspelling of email.verified',
    );
    expect(stderr).toContain('left out workflow order-fulfillment: 1 instance, too few to learn from');
  });

  it('raises, replaying the traffic it learned from, alerts only for instances the hand-written file finds deviating', async () => {
    const proposal = (await cli(['discover', '--events', 'examples/events.ndjson'])).stdout;
    const path = join(tmpdir(), `overdue-discovered-${process.pid}.yml`);
    writeFileSync(path, proposal);
    const alerted = async (config: string) => {
      const out = await cli(['replay', '-c', config, '-e', 'examples/events.ndjson', '--drain', '--json']);
      const report = JSON.parse(out.stdout) as { alerts: { workflow: string; correlationId: string }[] };
      return new Set(report.alerts.map((a) => `${a.workflow} ${a.correlationId}`));
    };
    const byProposal = await alerted(path);
    const byFile = await alerted('examples/workflows.yml');
    expect(byProposal.size).toBeGreaterThan(10);
    for (const instance of byProposal) expect(byFile.has(instance), instance).toBe(true);
  });

  it('writes durations as the file does and says when there is nothing to learn from', async () => {
    expect([
      fileDuration(90_000),
      fileDuration(2 * 3_600_000),
      fileDuration(1_500),
      fileDuration(45 * 60_000),
    ]).toEqual(['90s', '2h', '1500ms', '45m']);
    const path = join(tmpdir(), `overdue-discover-empty-${process.pid}.ndjson`);
    writeFileSync(path, 'not json\n{"also": "not an event"}\n');
    const none = await cli(['discover', '--events', path]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('none of the 2 lines');
  });
});
