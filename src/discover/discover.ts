import { newSketch } from '../engine/baselines.js';
import type { TelemetryEvent } from '../events/telemetry.js';
import { suggest } from '../replay/stats.js';
import { closest, distance } from '../workflow/suggest.js';

/**
 * `overdue discover`: a workflow file proposed from recorded traffic that has none. Per workflow
 * (the events' own `workflow`, or for events naming none their instance's first step):
 * - the start: the step most instances begin with;
 * - terminal steps: never followed by another step; the most common ends an instance well
 *   (`complete`), those named like a failure or a cancellation `fail` or `cancel`;
 * - the expected steps and their optionality: required when done in at least 90% of the instances
 *   that completed;
 * - their order: `after` the steps that came first in at least 80% of the instances with both,
 *   reduced to the nearest ones;
 * - a step named like a far more frequent one (a slip of a key or two) is a producer's typo: left
 *   out, and said;
 * - repeated steps: a count that is constant, or read from an earlier step's numeric attribute
 *   that matches it in at least 90% of instances;
 * - deadlines from the observed tails: the smallest round duration at least 1.5 times the p90 of
 *   completed instances (the p90 rather than the p99, so that the few instances that really deviate
 *   do not set the bar they are judged by), or 3 times the median below 20 runs;
 * - workflows with fewer than three instances and steps done in a single one are left out, and said.
 */

type Event = Omit<TelemetryEvent, 'workflow'> & { workflow: string | undefined };

interface Instance {
  id: string;
  /** Step → success times, earliest first. */
  successes: Map<string, number[]>;
  /** Step → attributes of its first success. */
  attributes: Map<string, Record<string, unknown>>;
  first: string;
}

export interface StepProposal {
  name: string;
  after: string[];
  withinMs: number | undefined;
  count: number | { from: string; attribute: string } | undefined;
  optional: boolean;
}

export interface WorkflowProposal {
  name: string;
  instances: number;
  completed: number;
  start: string;
  deadlineMs: number;
  steps: StepProposal[];
  complete: string[];
  fail: string[];
  cancel: string[];
}

const FAIL = /declin|fail|reject|error|denied|refus/i;
const CANCEL = /cancel|abort|delet|withdr|revok/i;
/** Share of completed instances a step must be done in to be required. */
const REQUIRED = 0.9;
/** The tail deadlines are taken from. */
const TAIL = 0.9;
/** Runs a tail needs to be one. */
const MIN_TAIL_RUNS = 20;
/** Share of the instances with both steps in which one must come first to be ordered after it. */
const ORDERED = 0.8;
/** Fewer instances than this say nothing about a workflow: a typo in a workflow name, a test. */
export const MIN_INSTANCES = 3;
/** A step done in fewer instances than this (and under 5% of them) is noise: a producer's typo. */
const MIN_STEP_INSTANCES = 2;

export interface Discovery {
  workflows: WorkflowProposal[];
  /** What was left out, and why: too few instances, steps seen too rarely. */
  skipped: string[];
}

export function discover(events: Iterable<Event>): Discovery {
  const byWorkflow = group(events);
  const workflows: WorkflowProposal[] = [];
  const skipped: string[] = [];
  for (const [name, instances] of byWorkflow) {
    if (instances.size < MIN_INSTANCES) {
      skipped.push(
        `workflow ${name}: ${instances.size} instance${instances.size === 1 ? '' : 's'}, too few to learn from`,
      );
      continue;
    }
    const proposal = propose(name, [...instances.values()], skipped);
    if (proposal) workflows.push(proposal);
  }
  workflows.sort((a, b) => b.instances - a.instances || (a.name < b.name ? -1 : 1));
  return { workflows, skipped };
}

/** Successful events by workflow and instance, duplicates (same eventId) once. */
function group(events: Iterable<Event>): Map<string, Map<string, Instance>> {
  const seen = new Set<string>();
  const named = new Map<string, Map<string, Instance>>();
  const unnamed: Event[] = [];
  const add = (instances: Map<string, Instance>, e: Event) => {
    let instance = instances.get(e.correlationId);
    if (instance === undefined) {
      instance = { id: e.correlationId, successes: new Map(), attributes: new Map(), first: e.step };
      instances.set(e.correlationId, instance);
    }
    const times = instance.successes.get(e.step) ?? [];
    times.push(e.time);
    times.sort((a, b) => a - b);
    instance.successes.set(e.step, times);
    if (times[0] === e.time && e.attributes !== undefined) instance.attributes.set(e.step, e.attributes);
    if (e.time < firstTime(instance, instance.first)) instance.first = e.step;
  };
  for (const e of events) {
    if (e.status !== 'succeeded' || seen.has(e.eventId)) continue;
    seen.add(e.eventId);
    if (e.workflow === undefined) {
      unnamed.push(e);
      continue;
    }
    const instances = named.get(e.workflow) ?? new Map();
    named.set(e.workflow, instances);
    add(instances, e);
  }
  // An event that names no workflow joins its correlation ID's instance where exactly one workflow
  // has it; otherwise its instance belongs to the workflow its first step starts.
  const owners = new Map<string, string[]>();
  for (const [name, instances] of named)
    for (const id of instances.keys()) owners.set(id, [...(owners.get(id) ?? []), name]);
  const rest = new Map<string, Instance>();
  for (const e of unnamed) {
    const owner = owners.get(e.correlationId);
    if (owner?.length === 1) add(named.get(owner[0] as string) as Map<string, Instance>, e);
    else add(rest, e);
  }
  for (const instance of rest.values()) {
    const name = slug(instance.first);
    const instances = named.get(name) ?? new Map();
    instances.set(instance.id, instance);
    named.set(name, instances);
  }
  return named;
}

const slug = (step: string) =>
  step
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64) || 'workflow';
const firstTime = (i: Instance, step: string) => i.successes.get(step)?.[0] ?? Number.POSITIVE_INFINITY;
/** When a step was done: its last success, which for a counted step is the count-th. */
const doneTime = (i: Instance, step: string) => i.successes.get(step)?.at(-1);

function propose(name: string, instances: Instance[], skipped: string[]): WorkflowProposal | undefined {
  if (instances.length === 0) return undefined;
  const start = mode(instances.map((i) => i.first));
  const seenIn = new Map<string, number>();
  for (const i of instances) for (const s of i.successes.keys()) seenIn.set(s, (seenIn.get(s) ?? 0) + 1);
  const steps = new Set<string>();
  for (const [s, n] of seenIn) {
    if (s === start) continue;
    if (n < MIN_STEP_INSTANCES && n < instances.length * 0.05) {
      skipped.push(
        `${name}: step ${s} done in ${n} of ${instances.length} instances, too rarely to propose (a typo?)`,
      );
      continue;
    }
    // A name one slip of a key from a step done at least three times as often is a producer's
    // misspelling of it (refund.rejected beside refund.requested is two apart: a step of its own).
    const frequent = [...seenIn].filter(([other, m]) => other !== s && m >= 3 * n).map(([other]) => other);
    const meant = closest(s, frequent);
    if (meant !== undefined && distance(s.toLowerCase(), meant.toLowerCase()) <= 1) {
      skipped.push(
        `${name}: step ${s} (${n} instances) looks like a misspelling of ${meant}: fix its producer`,
      );
      continue;
    }
    steps.add(s);
  }

  // Terminal steps: done in at least two instances, never followed by another step's success.
  const terminal: string[] = [];
  for (const s of steps) {
    const having = instances.filter((i) => i.successes.has(s));
    const followed = having.filter((i) => {
      const t = firstTime(i, s);
      for (const [other, times] of i.successes) if (other !== s && (times.at(-1) ?? 0) > t) return true;
      return false;
    });
    if (having.length >= 2 && followed.length === 0) terminal.push(s);
  }
  const fail = terminal.filter((s) => FAIL.test(s));
  const cancel = terminal.filter((s) => !FAIL.test(s) && CANCEL.test(s));
  const ends = terminal.filter((s) => !fail.includes(s) && !cancel.includes(s));
  const count = (s: string) => instances.filter((i) => i.successes.has(s)).length;
  const mainEnd = ends.sort((a, b) => count(b) - count(a))[0];
  const complete = mainEnd !== undefined && count(mainEnd) * 2 >= instances.length ? [mainEnd] : [];
  const expected = [...steps].filter((s) => !fail.includes(s) && !cancel.includes(s));

  // Instances that went the whole way: with the complete step, or (without one) every step seen in most.
  const completed = instances.filter((i) =>
    complete.length > 0
      ? complete.some((c) => i.successes.has(c))
      : expected.every((s) => count(s) < instances.length * REQUIRED || i.successes.has(s)),
  );
  const base = completed.length > 0 ? completed : instances;
  const required = new Set(
    expected.filter((s) => base.filter((i) => i.successes.has(s)).length >= base.length * REQUIRED),
  );

  // Order: steps by their median done time; a step comes after the earlier ones that were done
  // before it in at least 80% of the instances with both (a few out-of-order ones are deviations).
  const ordered = expected.sort(
    (a, b) => median(base.map((i) => doneTime(i, a))) - median(base.map((i) => doneTime(i, b))),
  );
  const before = (a: string, b: string) => ordered.indexOf(a) < ordered.indexOf(b) && precedes(a, b, base);
  const proposals: StepProposal[] = [];
  for (const s of ordered) {
    const optional = !required.has(s);
    // Only required steps make an `after`: an optional one may never come.
    const preceding = ordered.filter((a) => a !== s && required.has(a) && before(a, s));
    // The nearest: those no other preceding step comes after.
    const after = preceding.filter((a) => !preceding.some((b) => b !== a && before(a, b)));
    const latencies: number[] = [];
    for (const i of base) {
      const t = doneTime(i, s);
      if (t === undefined) continue;
      const from = Math.max(...(after.length > 0 ? after : [start]).map((a) => doneTime(i, a) ?? Number.NaN));
      if (!Number.isNaN(from)) latencies.push(t - from);
    }
    proposals.push({
      name: s,
      after: after.length === 0 ? [] : after,
      withinMs: optional || latencies.length === 0 ? undefined : (suggest(tail(latencies)) ?? undefined),
      count: countOf(s, base, start, ordered),
      optional,
    });
  }
  const completions: number[] = [];
  for (const i of base) {
    const s = doneTime(i, start);
    const ends = complete.length > 0 ? complete : [...required];
    const e = Math.max(...ends.map((c) => doneTime(i, c) ?? Number.NaN));
    if (s !== undefined && !Number.isNaN(e)) completions.push(e - s);
  }
  return {
    name,
    instances: instances.length,
    completed: completed.length,
    start,
    deadlineMs: suggest(tail(completions)) ?? 60 * 60_000,
    steps: proposals,
    complete,
    fail,
    cancel,
  };
}

/** a was done before b in at least 80% of the instances that have both. */
function precedes(a: string, b: string, instances: Instance[]): boolean {
  let both = 0;
  let first = 0;
  for (const i of instances) {
    const ta = doneTime(i, a);
    if (ta === undefined || !i.successes.has(b)) continue;
    both++;
    if (ta <= firstTime(i, b)) first++;
  }
  return both > 0 && first >= both * ORDERED;
}

/** A repeated step's count: constant, or an earlier step's numeric attribute that matches it. */
function countOf(
  step: string,
  instances: Instance[],
  start: string,
  ordered: string[],
): StepProposal['count'] {
  const counts = instances.flatMap((i) => {
    const n = i.successes.get(step)?.length;
    return n === undefined ? [] : [[i, n] as const];
  });
  if (!counts.some(([, n]) => n > 1)) return undefined;
  const sources = [start, ...ordered.slice(0, ordered.indexOf(step))];
  for (const from of sources) {
    const names = new Set(counts.flatMap(([i]) => Object.keys(i.attributes.get(from) ?? {})));
    for (const attribute of names) {
      const matches = counts.filter(([i, n]) => Number(i.attributes.get(from)?.[attribute]) === n).length;
      if (matches >= counts.length * REQUIRED) return { from, attribute };
    }
  }
  const first = counts[0]?.[1] ?? 1;
  return counts.every(([, n]) => n === first) ? first : undefined;
}

/**
 * The value a deadline covers, before suggest's 1.5 margin: the p90 given enough runs; with fewer
 * than 20 the "tail" is one or two runs, often the very deviations to catch, so twice the median.
 */
function tail(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  if (values.length < MIN_TAIL_RUNS) return 2 * median(values);
  const sketch = newSketch();
  for (const v of values) sketch.accept(Math.max(0, v));
  return sketch.getValueAtQuantile(TAIL);
}

function median(values: (number | undefined)[]): number {
  const present = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  return present.length === 0
    ? Number.POSITIVE_INFINITY
    : (present[Math.floor(present.length / 2)] as number);
}

function mode(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] as string;
}

/** A discovery's workflows as a workflow file, with what it was learned from in comments. */
const plain = (name: string) => (/^[A-Za-z][A-Za-z0-9._-]*$/.test(name) ? name : JSON.stringify(name));
const list = (names: string[]) => `[${names.map(plain).join(', ')}]`;

/** A duration as the workflow file writes it: one unit, the largest that divides it exactly. */
export function fileDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

export function toYaml(proposals: WorkflowProposal[], source: string): string {
  const out = [
    `# Proposed by overdue discover from ${source}: review before use.`,
    '# Steps, order and optionality come from what the instances did; deadlines are the smallest round',
    '# duration at least 1.5 times the p90 of the instances that completed (3 times the median below 20).',
    'version: 1',
    'workflows:',
  ];
  for (const w of proposals) {
    out.push(`  ${plain(w.name)}:`);
    out.push(`    description: Discovered from ${w.instances} instances, ${w.completed} of them complete`);
    out.push(`    start: ${plain(w.start)}`);
    out.push(`    deadline: ${fileDuration(w.deadlineMs)}`);
    if (w.steps.length > 0) {
      out.push('    steps:');
      for (const s of w.steps) {
        const settings: string[] = [];
        if (s.after.length === 1) settings.push(`after: ${plain(s.after[0] as string)}`);
        if (s.after.length > 1) settings.push(`after: ${list(s.after)}`);
        if (s.withinMs !== undefined) settings.push(`within: ${fileDuration(s.withinMs)}`);
        if (typeof s.count === 'number') settings.push(`count: ${s.count}`);
        else if (s.count)
          settings.push(`count: { from: ${plain(s.count.from)}, attribute: ${plain(s.count.attribute)} }`);
        if (s.optional) settings.push('optional: true');
        out.push(`      ${plain(s.name)}: { ${settings.join(', ')} }`.replace('{  }', '{}'));
      }
    }
    if (w.complete.length > 0) out.push(`    complete: ${list(w.complete)}`);
    if (w.fail.length > 0) out.push(`    fail: ${list(w.fail)}`);
    if (w.cancel.length > 0) out.push(`    cancel: ${list(w.cancel)}`);
    out.push('');
  }
  return `${out.join('\n')}`;
}
