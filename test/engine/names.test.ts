import { describe, expect, it } from 'vitest';
import { Replayer } from '../../src/replay/replayer.js';
import { WorkflowFileError } from '../../src/workflow/errors.js';
import { parseWorkflowFile } from '../../src/workflow/load.js';

const YAML = `
version: 1
defaults: { grace: 0s }
workflows:
  proto:
    start: constructor
    deadline: 10m
    steps:
      toString: { within: 1m }
      hasOwnProperty: { after: toString, within: 1m, count: { from: constructor, attribute: n } }
      valueOf: { optional: true }
`;

const at = (step: string, minute: number, attributes?: Record<string, unknown>) =>
  JSON.stringify({
    eventId: `${step}-${minute}-${Math.random()}`,
    correlationId: 'p-1',
    step,
    time: new Date(Date.parse('2026-11-02T09:00:00Z') + minute * 60_000).toISOString(),
    ...(attributes ? { attributes } : {}),
  });

describe('step names that every JavaScript object inherits', () => {
  it('work like any other name: not done until their events come', () => {
    const config = parseWorkflowFile(YAML, 'proto.yml');
    const missing = new Replayer(config);
    missing.push(at('constructor', 0, { n: 2 }));
    const result = missing.finish({ drain: true });
    expect(result.alerts.map((a) => `${a.kind}:${a.step ?? ''}`)).toEqual([
      'step_overdue:toString',
      'workflow_timed_out:',
    ]);
    expect(result.instances[0]?.missing).toEqual(['toString', 'hasOwnProperty']);

    const healthy = new Replayer(config);
    for (const line of [
      at('constructor', 0, { n: 2 }),
      at('toString', 0.5),
      at('hasOwnProperty', 1),
      at('hasOwnProperty', 1.2),
    ])
      healthy.push(line);
    const done = healthy.finish({ drain: true });
    expect(done.alerts).toEqual([]);
    expect(done.instances[0]).toMatchObject({ status: 'completed', missing: [] });
  });

  it('refuse __proto__ with a clear message', () => {
    const bad = YAML.replace('valueOf:', '__proto__:');
    expect(() => parseWorkflowFile(bad, 'proto.yml')).toThrow(WorkflowFileError);
    expect(() => parseWorkflowFile(bad, 'proto.yml')).toThrow(/"__proto__" cannot be a step name/);
  });
});
