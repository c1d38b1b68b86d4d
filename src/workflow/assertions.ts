import { Environment } from '@marcbachmann/cel-js';
import type { SpecIssue } from './compile.js';
import { type AssertionModel, STEP_VIEW_FIELDS, StepView } from './model.js';
import type { AssertionSpec, Severity } from './schema.js';
import { didYouMean } from './suggest.js';

/**
 * Assertions are CEL (cel.dev), evaluated by a maintained library rather than by us. One
 * environment serves every workflow: a single variable, `steps`, maps each step named in `when` to
 * what its first successful event said, as a StepView. The limits bound what a file can ask of the consumer: CEL
 * has no loops beyond its macros over these small inputs, and the expression's size is capped here.
 */
const env = new Environment({
  // Lists and maps of mixed types, as JSON attributes have them (CEL allows them; the default refuses).
  homogeneousAggregateLiterals: false,
  limits: { maxAstNodes: 500, maxDepth: 32, maxListElements: 100, maxMapEntries: 100, maxCallArguments: 8 },
})
  .registerType('StepView', { ctor: StepView, fields: STEP_VIEW_FIELDS })
  .registerVariable('steps', 'map<string, StepView>');

interface CelNode {
  op: string;
  args: unknown;
  pos?: number;
}

const isNode = (v: unknown): v is CelNode =>
  typeof v === 'object' && v !== null && typeof (v as CelNode).op === 'string';

/** `steps['x']` and `steps.x`: the step names an expression reads, with where it reads them. */
function stepReferences(node: unknown, found: { name: string; pos: number }[] = []) {
  if (Array.isArray(node)) {
    for (const child of node) stepReferences(child, found);
    return found;
  }
  if (!isNode(node)) return found;
  const args = node.args;
  if ((node.op === '[]' || node.op === '.') && Array.isArray(args)) {
    const [target, key] = args as [unknown, unknown];
    if (isNode(target) && target.op === 'id' && target.args === 'steps') {
      if (typeof key === 'string') found.push({ name: key, pos: target.pos ?? 0 });
      else if (isNode(key) && key.op === 'value' && typeof key.args === 'string')
        found.push({ name: key.args, pos: key.pos ?? 0 });
    }
  }
  stepReferences(args, found);
  return found;
}

/** The library's message without its caret drawing: the file's line and column say where. */
const firstLine = (message: string) => message.split('\n')[0]?.trim() ?? message;

/** Where in the expression a CEL error points: its node's position, when it has one. */
const positionOf = (error: unknown): number | undefined => {
  const node = (error as { node?: { pos?: unknown } } | undefined)?.node;
  return typeof node?.pos === 'number' ? node.pos : undefined;
};

/**
 * The evaluation of a program over `steps`. The engine passes the same views object each time,
 * refilled: its context object is made once too, rather than one per evaluation.
 */
function contextual(program: (context: { steps: unknown }) => unknown) {
  let context = { steps: {} as Readonly<Record<string, StepView>> };
  return (steps: Readonly<Record<string, StepView>>) => {
    if (context.steps !== steps) context = { steps };
    return program(context);
  };
}

/** Checks and compiles a workflow's `assert:` entries: syntax, types, and the steps they read. */
export function compileAssertions(
  specs: Record<string, AssertionSpec> | undefined,
  base: (string | number)[],
  index: ReadonlyMap<string, number>,
  severity: Severity,
): { assertions: AssertionModel[]; issues: SpecIssue[] } {
  const assertions: AssertionModel[] = [];
  const issues: SpecIssue[] = [];
  const names = [...index.keys()];
  for (const [name, spec] of Object.entries(specs ?? {})) {
    const path = [...base, 'assert', name];
    const whenList = Array.isArray(spec.when) ? spec.when : [spec.when];
    const when: number[] = [];
    whenList.forEach((step, i) => {
      const at = index.get(step);
      if (at === undefined) {
        issues.push({
          path: Array.isArray(spec.when) ? [...path, 'when', i] : [...path, 'when'],
          message: `unknown step ${JSON.stringify(step)} in when.${didYouMean(step, names)} (known steps: ${names.join(', ')})`,
        });
      } else if (!when.includes(at)) when.push(at);
    });
    const exprPath = [...path, 'expr'];
    let program: ReturnType<typeof env.parse>;
    try {
      program = env.parse(spec.expr);
    } catch (error) {
      issues.push({
        path: exprPath,
        offset: positionOf(error),
        message: `CEL syntax error: ${firstLine(String((error as Error).message))}`,
      });
      continue;
    }
    const checked = program.check();
    if (!checked.valid) {
      issues.push({
        path: exprPath,
        offset: positionOf(checked.error),
        message: `CEL type error: ${firstLine(checked.error?.message ?? 'invalid expression')}`,
      });
      continue;
    }
    if (checked.type !== 'bool' && checked.type !== 'dyn') {
      issues.push({
        path: exprPath,
        message: `the expression gives ${checked.type}, not true or false: compare its result, for example \`... == ...\``,
      });
      continue;
    }
    const allowed = whenList.filter((s) => index.has(s));
    for (const ref of stepReferences(program.ast)) {
      if (allowed.includes(ref.name)) continue;
      issues.push({
        path: exprPath,
        offset: ref.pos,
        message: `the expression reads steps[${JSON.stringify(ref.name)}], which is not in when (${allowed.join(', ')}): an assertion sees only the steps it waits for; add it to when`,
      });
    }
    assertions.push({
      name,
      expr: spec.expr,
      when,
      severity: spec.severity ?? severity,
      evaluate: contextual(program),
    });
  }
  return { assertions, issues };
}
