import { describe, expect, it } from 'vitest';
import { formatIssue, WorkflowFileError } from '../../src/workflow/errors.js';
import { loadWorkflowFile, parseWorkflowFile } from '../../src/workflow/load.js';

function problems(yaml: string): string[] {
  try {
    parseWorkflowFile(yaml, 'w.yml');
  } catch (error) {
    if (!(error instanceof WorkflowFileError)) throw error;
    return error.issues.map((i) => formatIssue(i).slice('w.yml:'.length));
  }
  throw new Error('expected the file to be refused');
}

const wrap = (workflow: string) => `version: 1\nworkflows:\n  order:\n${workflow}`;

describe('workflow file', () => {
  it('loads the example file with all three workflows', () => {
    const config = loadWorkflowFile('examples/workflows.yml');
    expect([...config.workflows.keys()]).toEqual(['order-fulfilment', 'user-signup', 'refund']);
    const order = config.workflows.get('order-fulfilment');
    expect(order?.deadlineMs).toBe(15 * 60_000);
    expect(order?.graceMs).toBe(30_000);
    expect(order?.steps.map((s) => [s.name, s.required])).toEqual([
      ['order.placed', true],
      ['payment.authorized', true],
      ['inventory.reserved', true],
      ['item.picked', true],
      ['label.printed', false],
      ['shipment.created', true],
      ['payment.declined', false],
      ['order.cancelled', false],
    ]);
    expect(config.workflows.get('refund')?.graceMs).toBe(60_000);
    expect(config.stepOwners.get('payment.refunded')).toEqual(['refund']);
  });

  it('names the path, line and unknown step of a typo in after, with a suggestion', () => {
    const yaml = wrap(`    start: placed
    deadline: 15m
    steps:
      payment.authorized: { within: 2m }
      inventory.reserved: { after: payment.authorised, within: 5m }
`);
    expect(problems(yaml)).toEqual([
      '8:36 workflows.order.steps.inventory.reserved.after: unknown step "payment.authorised" in after. Did you mean "payment.authorized"? (known steps: placed, payment.authorized, inventory.reserved)',
    ]);
  });

  it('refuses unknown keys, with the allowed ones', () => {
    expect(problems(wrap('    start: a\n    deadline: 1m\n    steps:\n      b: { withn: 1m }\n'))).toEqual([
      '7:12 workflows.order.steps.b.withn: unknown key "withn". Did you mean "within"? Allowed here: description, after, within, count, optional, latency',
    ]);
  });

  it('refuses bad durations in either form and accepts both forms', () => {
    expect(problems(wrap('    start: a\n    deadline: 15 minutes\n'))).toEqual([
      '5:15 workflows.order.deadline: "15 minutes" is not a duration: write a duration such as 500ms, 30s, 15m, 2h, 7d, or ISO-8601 such as PT15M',
    ]);
    expect(problems(wrap('    start: a\n    deadline: P1M\n'))[0]).toContain('"P1M" is not a duration');
    const config = parseWorkflowFile(wrap('    start: a\n    deadline: PT1H30M\n    grace: 500ms\n'));
    expect(config.workflows.get('order')).toMatchObject({ deadlineMs: 5_400_000, graceMs: 500 });
  });

  it('refuses count.from naming an unknown step', () => {
    expect(
      problems(
        wrap('    start: a\n    deadline: 1m\n    steps:\n      b: { count: { from: x, attribute: n } }\n'),
      ),
    ).toEqual([
      '7:27 workflows.order.steps.b.count.from: unknown step "x" in count.from. (known steps: a, b)',
    ]);
  });

  it('refuses cycles in after, naming the whole cycle', () => {
    const yaml = wrap(
      '    start: a\n    deadline: 1m\n    steps:\n      b: { after: c }\n      c: { after: [b] }\n      d: { after: d }\n',
    );
    expect(problems(yaml)).toEqual([
      '7:19 workflows.order.steps.b.after: cycle in after: b → c → b; remove one of these after links',
      '9:19 workflows.order.steps.d.after: cycle in after: d → d; remove one of these after links',
    ]);
  });

  it('refuses duplicate names: YAML keys, the start under steps, repeats in a list', () => {
    const yaml = `version: 1
workflows:
  order:
    start: a
    deadline: 1m
    steps:
      a: {}
      b: {}
      b: {}
    complete: [b, b]
`;
    expect(problems(yaml)).toEqual([
      '7:7 workflows.order.steps.a: "a" is the workflow start and is defined by `start`; remove it from steps',
      '9:7 duplicate key "b": each key, workflow and step name may appear only once in a map; rename or merge the two',
      '10:19 workflows.order.complete[1]: "b" is listed twice in complete; remove the repeat',
    ]);
  });

  it('refuses a step in more than one of complete, fail and cancel, and the start in any', () => {
    const yaml = wrap(
      '    start: a\n    deadline: 1m\n    complete: [done]\n    fail: [done, a]\n    cancel: x\n',
    );
    expect(problems(yaml)).toEqual([
      '7:12 workflows.order.fail[0]: "done" is already in complete; a step can be in only one of complete, fail and cancel',
      '7:18 workflows.order.fail[1]: the start "a" cannot also fail the workflow; list another step',
    ]);
  });

  it('refuses a fail or cancel step that is also an expected step', () => {
    expect(problems(wrap('    start: a\n    deadline: 1m\n    steps:\n      b: {}\n    fail: b\n'))).toEqual([
      '8:11 workflows.order.fail: "b" is an expected step under steps, so it cannot fail the workflow; remove it from steps or from fail',
    ]);
  });

  it('refuses missing keys, a wrong version, bad names and an empty file of workflows', () => {
    expect(problems('version: 2\nworkflows:\n  "bad name":\n    deadline: 1m\n')).toEqual([
      '1:10 version: version must be 1',
      '3:3 workflows.bad name: a workflow name is 1 to 64 letters, digits, dots, dashes or underscores',
    ]);
    expect(problems('version: 1\nworkflows:\n  a:\n    deadline: 1m\n')).toEqual([
      '4:5 workflows.a.start: missing required key "start"; add it here',
    ]);
    expect(problems('version: 1\nworkflows: {}\n')).toEqual(['2:12 workflows: define at least one workflow']);
    expect(
      problems('version: 1\nworkflows:\n  a:\n    start: x\n    deadline: 1m\n    severity: urgent\n'),
    ).toEqual([
      '6:15 workflows.a.severity: "urgent" is not a severity: use one of low, medium, high, critical',
    ]);
  });

  it('reports every problem of the file at once, sorted by line', () => {
    const yaml = `version: 1
defaults: { grace: soon }
workflows:
  a:
    start: s
    deadline: 1m
    steps:
      x: { after: y }
  b:
    start: s
    deadline: 1m
    colour: red
`;
    expect(problems(yaml).map((p) => p.split(' ')[0])).toEqual(['2:20', '8:19', '12:5']);
  });

  it('says what the map should look like when a list or nothing stands where a map belongs', () => {
    expect(problems('')).toEqual([
      '1:1 expected a map, got nothing; a workflow file is a map that starts with `version: 1` and `workflows:` (see examples/workflows.yml)',
    ]);
    expect(problems(wrap('    start: a\n    deadline: 1m\n    steps: [b, c]\n'))).toEqual([
      '6:12 workflows.order.steps: expected a map, got a list; write each step as `name: { within: 2m }`, or `name: {}` when it needs no settings',
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    expect(problems('version: 1\nworkflows:\n  a: [\n')[0]).toMatch(/^\d+:\d+ YAML syntax error/);
  });

  it('names a file that does not exist', () => {
    expect(() => loadWorkflowFile('nope.yml')).toThrow(/nope\.yml:1:1 file not found/);
  });

  it('makes the error message list file:line:column path: message for each problem', () => {
    try {
      parseWorkflowFile(wrap('    start: a\n'), 'conf/w.yml');
    } catch (error) {
      expect((error as Error).name).toBe('WorkflowFileError');
      expect((error as Error).message).toBe(
        'conf/w.yml: 1 problem\n  conf/w.yml:4:5 workflows.order.deadline: missing required key "deadline"; add it here',
      );
    }
    expect.assertions(2);
  });
});
