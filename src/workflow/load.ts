import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, visit } from 'yaml';
import type { z } from 'zod';
import { isRecord } from '../shared/is-record.js';
import { BUILTIN_DEFAULTS, compileWorkflow, type Defaults, type SpecIssue } from './compile.js';
import { parseDuration } from './duration.js';
import { type ConfigIssue, WorkflowFileError } from './errors.js';
import type { WorkflowConfig, WorkflowModel } from './model.js';
import { ALLOWED_KEYS, defaultsSchema, workflowFileSchema, workflowSchema } from './schema.js';
import { didYouMean } from './suggest.js';

/** Reads, validates and compiles a workflow file; throws WorkflowFileError listing every problem. */
export function loadWorkflowFile(file: string): WorkflowConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(cause);
    throw new WorkflowFileError(file, [{ file, path: '', line: 1, column: 1, message: reason }], { cause });
  }
  return parseWorkflowFile(text, file);
}

/** Validates workflow file text; `file` is only used to name it in errors. */
export function parseWorkflowFile(text: string, file = 'workflows.yml'): WorkflowConfig {
  // A file of events given as the workflow file (swapped --config and --events) would otherwise
  // report a YAML problem on every line: say what it is instead.
  if (looksLikeNdjson(text)) {
    throw new WorkflowFileError(file, [
      {
        file,
        path: '',
        line: 1,
        column: 1,
        message:
          'this looks like NDJSON telemetry events, not a workflow file: were --config and --events swapped?',
      },
    ]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const position = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };

  const keyIssues: ConfigIssue[] = [];
  const syntax: ConfigIssue[] = [];
  for (const error of doc.errors) {
    if (error.code === 'DUPLICATE_KEY') {
      const key = keyAt(text, error.pos[0]);
      const message = `duplicate key ${JSON.stringify(key)}: each key, workflow and step name may appear only once in a map; rename or merge the two`;
      keyIssues.push({ file, path: '', ...position(error.pos[0]), message });
    } else {
      const message = `YAML syntax error: ${error.message.split('\n')[0]}`;
      syntax.push({ file, path: '', ...position(error.pos[0]), message });
    }
  }
  if (syntax.length > 0) throw new WorkflowFileError(file, syntax);
  // A `__proto__` key vanishes when YAML becomes a JavaScript object: refuse it where it stands.
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === '__proto__') {
        const message = '"__proto__" cannot be a step name (or any key here): rename it';
        keyIssues.push({ file, path: '', ...position(pair.key.range?.[0] ?? 0), message });
      }
    },
  });

  const data: unknown = doc.toJS();
  const specIssues: SpecIssue[] = [];
  const parsed = workflowFileSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) specIssues.push(...parsed.error.issues.flatMap(describeZodIssue));

  const defaults = readDefaults(data);
  const workflows = new Map<string, WorkflowModel>();
  const rawWorkflows = isRecord(data) && isRecord(data.workflows) ? data.workflows : {};
  for (const [name, raw] of Object.entries(rawWorkflows)) {
    const spec = parseIgnoringUnknownKeys(raw);
    if (!spec) continue; // already reported by the whole-file parse
    const result = compileWorkflow(name, spec, defaults);
    if (result.model) workflows.set(name, result.model);
    else specIssues.push(...result.issues);
  }

  if (specIssues.length > 0 || keyIssues.length > 0) {
    const located = specIssues.map((issue) => ({ file, ...locate(doc.contents, issue, position, text) }));
    const issues = [...keyIssues, ...located];
    issues.sort((a, b) => a.line - b.line || a.column - b.column);
    throw new WorkflowFileError(file, issues);
  }

  const stepOwners = new Map<string, string[]>();
  for (const model of workflows.values()) {
    for (const step of model.steps) {
      const owners = stepOwners.get(step.name) ?? [];
      owners.push(model.name);
      stepOwners.set(step.name, owners);
    }
  }
  return { file, workflows, stepOwners };
}

/**
 * Structural problems are already reported; dropping what they point at (an unknown key, a bad
 * duration) lets the cross-checks of the rest of the workflow run too, so that one pass over the
 * file reports both kinds. Gives up (undefined) when what is left is still not a workflow.
 */
function parseIgnoringUnknownKeys(raw: unknown) {
  let parsed = workflowSchema.safeParse(raw);
  if (parsed.success || !isRecord(raw)) return parsed.success ? parsed.data : undefined;
  const copy = structuredClone(raw) as Record<string, unknown>;
  for (let round = 0; round < 5 && !parsed.success; round++) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      if (issue.code === 'unrecognized_keys') {
        const target = at(copy, path);
        if (isRecord(target)) for (const key of issue.keys) delete target[key];
        continue;
      }
      const last = path.at(-1);
      const parent = at(copy, path.slice(0, -1));
      if (last === undefined || (path.length === 1 && REQUIRED_WORKFLOW_KEYS.has(String(last))))
        return undefined;
      if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
      else if (isRecord(parent)) delete parent[last];
    }
    parsed = workflowSchema.safeParse(copy);
  }
  return parsed.success ? parsed.data : undefined;
}

/** Without these there is no workflow to cross-check. */
const REQUIRED_WORKFLOW_KEYS = new Set(['start', 'deadline']);

const at = (root: unknown, path: readonly (string | number)[]): unknown =>
  path.reduce<unknown>(
    (node, key) =>
      isRecord(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[key] : undefined,
    root,
  );

function readDefaults(data: unknown): Defaults {
  const parsed = defaultsSchema.safeParse(isRecord(data) ? (data.defaults ?? {}) : {});
  if (!parsed.success) return BUILTIN_DEFAULTS;
  const d = parsed.data;
  return {
    graceMs: d.grace === undefined ? BUILTIN_DEFAULTS.graceMs : (parseDuration(d.grace) ?? 0),
    retentionMs: d.retention === undefined ? BUILTIN_DEFAULTS.retentionMs : (parseDuration(d.retention) ?? 0),
    severity: d.severity ?? BUILTIN_DEFAULTS.severity,
    ...(d.incidents === undefined ? {} : { incidents: d.incidents }),
  };
}

function allowedKeysAt(path: readonly PropertyKey[]): readonly string[] {
  if (path.length === 0) return ALLOWED_KEYS.file;
  if (path[0] === 'defaults') return ALLOWED_KEYS.defaults;
  if (path.length === 2) return ALLOWED_KEYS.workflow;
  if (path.at(-1) === 'latency') return ALLOWED_KEYS.latency;
  if (path.at(-1) === 'incidents') return ALLOWED_KEYS.incidents;
  if (path[2] === 'maintenance') return ALLOWED_KEYS.maintenance;
  if (path.length === 4 && path[2] === 'assert') return ALLOWED_KEYS.assertion;
  if (path.length === 4) return ALLOWED_KEYS.step;
  return ALLOWED_KEYS.count;
}

const describeType = (input: unknown) =>
  input === null
    ? 'nothing'
    : Array.isArray(input)
      ? 'a list'
      : typeof input === 'object'
        ? 'a map'
        : `a ${typeof input}`;

function describeZodIssue(issue: z.core.$ZodIssue): SpecIssue[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeysAt(path);
    return issue.keys.map((key) => ({
      path: [...path, key],
      atKey: true,
      message: `unknown key ${JSON.stringify(key)}.${didYouMean(key, allowed)} Allowed here: ${allowed.join(', ')}`,
    }));
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    const key = String(path[path.length - 1]);
    return [{ path, message: `missing required key ${JSON.stringify(key)}; add it here` }];
  }
  if (issue.code === 'invalid_type' && issue.message.startsWith('Invalid input')) {
    const got = `expected ${article(issue.expected)}, got ${describeType(issue.input)}`;
    return [{ path, message: `${got}${SHAPE_HINTS[String(path[path.length - 1] ?? '')] ?? ''}` }];
  }
  if (issue.code === 'invalid_key') {
    return [{ path, atKey: true, message: issue.issues[0]?.message ?? issue.message }];
  }
  return [{ path, message: issue.message }];
}

/** What the map at a well-known key looks like, for "expected a map" errors. */
const SHAPE_HINTS: Record<string, string> = {
  '': '; a workflow file is a map that starts with `version: 1` and `workflows:` (see examples/workflows.yml)',
  workflows: '; write each workflow as `name:` followed by its settings (start, deadline, steps…)',
  steps: '; write each step as `name: { within: 2m }`, or `name: {}` when it needs no settings',
  defaults: '; for example `defaults: { grace: 30s }`',
};

const article = (expected: string) =>
  ({
    record: 'a map',
    object: 'a map',
    array: 'a list',
    string: 'a string',
    number: 'a number',
    boolean: 'true or false',
  })[expected] ?? expected;

/** Turns a path of keys into the line and column of the node it names, or of its nearest ancestor. */
function locate(
  root: Node | null,
  issue: SpecIssue,
  position: (offset: number) => { line: number; column: number },
  text: string,
): Omit<ConfigIssue, 'file'> {
  let node: Node | null = root;
  let offset = root?.range?.[0] ?? 0;
  for (let i = 0; i < issue.path.length && node; i++) {
    const segment = issue.path[i];
    const last = i === issue.path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === segment);
      if (!pair) break;
      const keyNode = pair.key as Node;
      const valueNode = pair.value as Node | null;
      offset =
        (last && issue.atKey) || !valueNode?.range ? (keyNode.range?.[0] ?? offset) : valueNode.range[0];
      node = valueNode;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item?.range) break;
      offset = item.range[0];
      node = item;
    } else break;
  }
  if (issue.offset !== undefined && isScalar(node)) offset = insideScalar(node, text, issue.offset);
  return { path: formatPath(issue.path), ...position(offset), message: issue.message };
}

/**
 * The file offset of character `at` of a scalar's value: after the quote of a quoted one, and for
 * a block scalar (`|`, `>`) on the value's line, past the block's indentation. Escapes in a quoted
 * scalar and folded lines can shift it by a few characters; the line stays right.
 */
function insideScalar(node: Node, text: string, at: number): number {
  const start = node.range?.[0] ?? 0;
  const type = (node as { type?: string }).type;
  if (type === 'QUOTE_DOUBLE' || type === 'QUOTE_SINGLE') return start + 1 + at;
  if (type !== 'BLOCK_LITERAL' && type !== 'BLOCK_FOLDED') return start + at;
  const value = String((node as { value?: unknown }).value ?? '');
  const lineOf = value.slice(0, at).split('\n');
  const column = (lineOf.at(-1) ?? '').length;
  // The block's lines start after its header line, each indented as deep as its first line.
  let offset = text.indexOf('\n', start) + 1;
  const indent = /^[ ]*/.exec(text.slice(offset))?.[0].length ?? 0;
  for (let i = 1; i < lineOf.length; i++) offset = text.indexOf('\n', offset) + 1;
  return offset + indent + column;
}

/** `workflows.order.fail[0]`: keys joined by dots, list positions in brackets. */
export function formatPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** The key a YAML error points at: the rest of its line up to the `:` (quotes taken off). */
function keyAt(text: string, offset: number): string {
  const end = text.indexOf('\n', offset);
  const line = text.slice(offset, end === -1 ? undefined : end).trim();
  const quoted = /^(["'])(.*?)\1\s*:/.exec(line);
  if (quoted) return quoted[2] as string;
  const colon = line.search(/:(\s|$)/);
  return (colon === -1 ? line : line.slice(0, colon)).trim();
}

/** True when the first two non-blank lines are each a JSON object: events, not YAML. */
function looksLikeNdjson(text: string): boolean {
  const lines = text
    .split('\n', 50)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .slice(0, 2);
  if (lines.length === 0) return false;
  return lines.every((l) => {
    if (!l.startsWith('{')) return false;
    try {
      const v: unknown = JSON.parse(l);
      return isRecord(v) && !('workflows' in v) && !('version' in v);
    } catch {
      return false;
    }
  });
}
