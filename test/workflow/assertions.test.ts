import { describe, expect, it } from 'vitest';
import { formatIssue, WorkflowFileError } from '../../src/workflow/errors.js';
import { parseWorkflowFile } from '../../src/workflow/load.js';

function problems(yaml: string): string[] {
  try {
    parseWorkflowFile(yaml, 'w.yml');
  } catch (error) {
    if (!(error instanceof WorkflowFileError)) throw error;
    return error.issues.map((i) => formatIssue(i).slice('w.yml:'.length));
  }
  throw new Error('expected the file to be refused');
}

const file = (assert: string) => `version: 1
workflows:
  order:
    start: placed
    deadline: 15m
    steps:
      paid: { within: 2m }
    assert:
${assert}`;

describe('assertions in the workflow file', () => {
  it('compiles a CEL assertion over the steps it waits for', () => {
    const config = parseWorkflowFile(
      file(`      charged-equals-total:
        when: [placed, paid]
        expr: steps['paid'].attributes.amount == steps.placed.attributes.total
        severity: critical
`),
    );
    const [assertion] = config.workflows.get('order')?.assertions ?? [];
    expect(assertion).toMatchObject({ name: 'charged-equals-total', when: [0, 1], severity: 'critical' });
    expect(config.workflows.get('order')?.keepsAttributes).toEqual([true, true]);
  });

  it('points at a syntax error inside the expression with its line and column in the file', () => {
    // Column 40 is the end of the expression, where the operand is missing.
    expect(
      problems(
        file(`      a:
        when: [paid]
        expr: steps.paid.attributes.x +
`),
      ),
    ).toEqual(['11:40 workflows.order.assert.a.expr: CEL syntax error: Unexpected token: EOF']);
  });

  it('refuses type errors, unknown variables and expressions that are not true or false', () => {
    expect(
      problems(
        file(`      types:
        when: [paid]
        expr: "1 + 'x' == 2"
      names:
        when: [paid]
        expr: amount == 3
      number:
        when: [paid]
        expr: 1 + 2
`),
      ),
    ).toEqual([
      '11:16 workflows.order.assert.types.expr: CEL type error: no such overload: int + string',
      '14:15 workflows.order.assert.names.expr: CEL type error: Unknown variable: amount',
      '17:15 workflows.order.assert.number.expr: the expression gives int, not true or false: compare its result, for example `... == ...`',
    ]);
  });

  it('refuses a misspelt field of a step and a comparison of the wrong types at load, not when evaluated', () => {
    expect(
      problems(
        file(`      typo:
        when: [placed, paid]
        expr: steps.paid.tme > steps.placed.time
      kinds:
        when: [paid]
        expr: steps.paid.time == 5
`),
      ),
    ).toEqual([
      '11:26 workflows.order.assert.typo.expr: CEL type error: No such key: tme',
      '14:15 workflows.order.assert.kinds.expr: CEL type error: no such overload: google.protobuf.Timestamp == int',
    ]);
  });

  it('refuses a step the expression reads but does not wait for, and unknown steps in when', () => {
    expect(
      problems(
        file(`      partial:
        when: [paid, payed]
        expr: |
          steps.paid.attributes.amount ==
            steps['placed'].attributes.total
`),
      ),
    ).toEqual([
      '10:22 workflows.order.assert.partial.when[1]: unknown step "payed" in when. (known steps: placed, paid)',
      '13:19 workflows.order.assert.partial.expr: the expression reads steps["placed"], which is not in when (paid): an assertion sees only the steps it waits for; add it to when',
    ]);
  });

  it('refuses unknown keys in an assertion, naming the allowed ones', () => {
    expect(
      problems(
        file(`      a:
        when: [paid]
        expr: "true"
        wehn: [paid]
`),
      ),
    ).toEqual([
      '12:9 workflows.order.assert.a.wehn: unknown key "wehn". Allowed here: description, when, expr, severity',
    ]);
  });
});
