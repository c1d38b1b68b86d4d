import type { TelemetryEvent } from '../events/telemetry.js';
import { type AssertionModel, type StepModel, StepView, type WorkflowModel } from '../workflow/model.js';
import type { AssertionOutcome } from './alert.js';
import type { Instance, KeptStep } from './instance.js';

/**
 * Attributes kept per step for assertions, at most: an assertion compares a few fields, and the
 * instance is written on every event. Larger attribute maps are kept without their biggest values.
 */
const KEPT_BYTES = 4096;

/** One shared, frozen map for every kept event without attributes (most of them). */
const NO_ATTRIBUTES: Record<string, unknown> = Object.freeze({});

/** No assertion failed: one shared, frozen answer rather than an array per event. */
const NONE_FAILED: readonly AssertionOutcome[] = Object.freeze([]);

/**
 * A successful event of a step some assertion reads: evaluates every assertion it completes, from
 * the step's earliest event (a kept one, or this one), and keeps this event's row only while an
 * assertion still waits for another step. Returns the failed assertions, with what they saw.
 */
export function assertOnSuccess(
  instance: Instance,
  workflow: WorkflowModel,
  step: StepModel,
  event: TelemetryEvent,
): readonly AssertionOutcome[] {
  // Every assertion evaluated already: nothing will read it.
  if (allHadTheirSay(instance, workflow)) return NONE_FAILED;
  // Kept rows are arrays, done times numbers: type checks rather than Object.hasOwn, which V8 calls
  // out of line (a name inherited from Object.prototype, `constructor`, is neither).
  const kept = instance.at?.[step.name];
  const earlier = Array.isArray(kept) && kept[0] <= event.time ? kept : undefined;
  return evaluateAssertions(instance, workflow, step, earlier, event);
}

/** The row kept of an event: trailing fields it lacks are left out, in one array each. */
function keptRow(event: TelemetryEvent): KeptStep {
  const { time, source, durationMs, coldStart } = event;
  const attributes = event.attributes === undefined ? NO_ATTRIBUTES : bounded(event.attributes);
  if (coldStart !== undefined) return [time, attributes, source ?? null, durationMs ?? null, coldStart];
  if (durationMs !== undefined) return [time, attributes, source ?? null, durationMs];
  return source === undefined ? [time, attributes] : [time, attributes, source];
}

/**
 * Every assertion evaluated: the instance holds the workflow's shared list. One read from the store
 * holds a copy, and goes through the check below once (by name, so that a name left from an earlier
 * version of the file does not stand for one of today's).
 */
const allHadTheirSay = (instance: Instance, workflow: WorkflowModel) =>
  instance.asr !== undefined && instance.asr === scratchFor(workflow).all;

function bounded(attributes: Record<string, unknown>): Record<string, unknown> {
  // Most events carry a few short fields: no need to measure them.
  let small = true;
  let keys = 0;
  for (const key in attributes) {
    const v = attributes[key];
    if (++keys > 32 || (typeof v === 'object' && v !== null) || (typeof v === 'string' && v.length > 64)) {
      small = false;
      break;
    }
  }
  if (small || JSON.stringify(attributes).length <= KEPT_BYTES) return attributes;
  // Largest values go first, so that the scalars an assertion compares are what stays.
  const entries = Object.entries(attributes).sort(
    (a, b) => JSON.stringify(a[1]).length - JSON.stringify(b[1]).length,
  );
  const out: Record<string, unknown> = {};
  let size = 2;
  for (const [k, v] of entries) {
    size += JSON.stringify(k).length + JSON.stringify(v).length + 2;
    if (size > KEPT_BYTES) break;
    out[k] = v;
  }
  return out;
}

/**
 * The views an assertion's evaluation reads, one per `when` step, made once and refilled for each
 * evaluation: evaluation is synchronous and keeps no reference to them (an alert copies what it
 * needs), so an instance's check allocates nothing of its own.
 */
interface Views {
  readonly names: readonly string[];
  /** Steps with a count: a success may leave them not done yet. */
  readonly counted: readonly boolean[];
  /** The kept rows ready() found, for the fill that follows. */
  readonly rows: (KeptStep | undefined)[];
  readonly views: readonly StepView[];
  readonly steps: Readonly<Record<string, StepView>>;
}

/** Per workflow: each assertion's views, by position, and the names of all its assertions. */
interface Scratch {
  readonly byAssertion: readonly Views[];
  /** Frozen: every instance ends with this same list, and nothing pushes to a complete one. */
  readonly all: string[];
}

const scratches = new WeakMap<WorkflowModel, Scratch>();
// The last one used, so that the usual case (one workflow's events in a row) skips the WeakMap.
let lastModel: WorkflowModel | undefined;
let lastScratch: Scratch | undefined;

function scratchFor(workflow: WorkflowModel): Scratch {
  if (workflow === lastModel && lastScratch) return lastScratch;
  let scratch = scratches.get(workflow);
  if (scratch === undefined) {
    scratch = {
      byAssertion: workflow.assertions.map((assertion) => {
        const steps = assertion.when.map((i) => workflow.steps[i] as StepModel);
        const names = steps.map((step) => step.name);
        const views = names.map(() => new StepView());
        return {
          names,
          counted: steps.map((step) => step.count !== undefined),
          rows: names.map(() => undefined),
          views,
          steps: Object.fromEntries(names.map((n, i) => [n, views[i] as StepView])),
        };
      }),
      all: Object.freeze(workflow.assertions.map((a) => a.name)) as string[],
    };
    scratches.set(workflow, scratch);
  }
  lastModel = workflow;
  lastScratch = scratch;
  return scratch;
}

function fillFromRow(view: StepView, kept: KeptStep): void {
  view.attributes = kept[1];
  view.time.setTime(kept[0]);
  view.source = kept[2] ?? undefined;
  view.durationMs = kept[3] ?? undefined;
  view.coldStart = kept[4] ?? undefined;
}

/** As its kept row would show it: the same bounded attributes, so the verdict cannot depend on which. */
function fillFromEvent(view: StepView, event: TelemetryEvent): void {
  view.attributes = event.attributes === undefined ? NO_ATTRIBUTES : bounded(event.attributes);
  view.time.setTime(event.time);
  view.source = event.source;
  view.durationMs = event.durationMs;
  view.coldStart = event.coldStart;
}

/** Why an evaluation gave no verdict, in a line: the library's message without its drawing. */
const reason = (error: unknown) => {
  const message = String((error as Error)?.message ?? error).split('\n')[0] ?? '';
  return /^No such key: /.test(message) ? `missing attribute: ${message.slice(13)}` : message;
};

/**
 * Evaluates each assertion whose steps are now all done, once, and keeps the current step's row
 * while one still waiting reads it (most assertions complete with this event: storing its row would
 * only cost a write). Returns the failed ones, with what they saw. Pure: the outcome depends only on
 * the kept events, never on arrival order or the clock.
 */
function evaluateAssertions(
  instance: Instance,
  workflow: WorkflowModel,
  step: StepModel,
  earlier: KeptStep | undefined,
  event: TelemetryEvent,
): readonly AssertionOutcome[] {
  let failed: AssertionOutcome[] | undefined;
  const { assertions } = workflow;
  const current = step.name;
  const scratch = scratchFor(workflow);
  let waiting = 0;
  let keep = false;
  for (let k = 0; k < assertions.length; k++) {
    const assertion = assertions[k] as AssertionModel;
    if (instance.asr?.includes(assertion.name)) continue;
    const steps = ready(instance, scratch.byAssertion[k] as Views, current, earlier, event);
    if (steps === undefined) {
      waiting++;
      if (assertion.when.includes(step.index)) keep = true;
      continue;
    }
    // The last of them all needs no entry: the shared list below stands for every one.
    if (waiting > 0 || k < assertions.length - 1) (instance.asr ??= []).push(assertion.name);
    let verdict: unknown;
    try {
      verdict = assertion.evaluate(steps);
    } catch (error) {
      (failed ??= []).push({
        name: assertion.name,
        expr: assertion.expr,
        values: seen(steps),
        error: reason(error),
      });
      continue;
    }
    if (verdict === true) continue;
    const outcome: AssertionOutcome = { name: assertion.name, expr: assertion.expr, values: seen(steps) };
    if (verdict !== false) outcome.error = `gave ${String(verdict)}, not true or false`;
    (failed ??= []).push(outcome);
  }
  if (waiting === 0) {
    // Every instance ends with the same list: one shared copy instead of one array each. The kept
    // events are dead weight on every write from now on.
    instance.asr = scratch.all;
    instance.at = undefined;
  } else if (keep && earlier === undefined) (instance.at ??= {})[current] = keptRow(event);
  return failed ?? NONE_FAILED;
}

/** What an assertion saw, copied only for an alert: most assertions hold. */
function seen(steps: Record<string, StepView>): Record<string, Record<string, unknown>> {
  const values: Record<string, Record<string, unknown>> = {};
  for (const [name, v] of Object.entries(steps)) values[name] = { ...v.attributes };
  return values;
}

/**
 * The views of an assertion's steps once every one is done and kept (the current step's is the
 * event in hand, or its earlier kept row), else undefined.
 */
function ready(
  instance: Instance,
  scratch: Views,
  current: string,
  earlier: KeptStep | undefined,
  event: TelemetryEvent,
): Readonly<Record<string, StepView>> | undefined {
  // All done first: views are filled only for an evaluation. A success makes a step without a
  // count done, so for those the event in hand or a kept row (kept on a success) is proof enough.
  const { done, at } = instance;
  const { names, counted, rows, views } = scratch;
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    if (name !== current) {
      const row = at?.[name];
      if (!Array.isArray(row)) return undefined;
      rows[i] = row;
    }
    if (counted[i] === true && typeof done[name] !== 'number') return undefined;
  }
  for (let i = 0; i < names.length; i++) {
    const view = views[i] as StepView;
    if (names[i] !== current) fillFromRow(view, rows[i] as KeptStep);
    else if (earlier !== undefined) fillFromRow(view, earlier);
    else fillFromEvent(view, event);
  }
  return scratch.steps;
}
