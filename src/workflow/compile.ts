import { compileAssertions } from './assertions.js';
import { parseDuration } from './duration.js';
import type { IncidentsModel, LatencyModel, StepCount, StepModel, WorkflowModel } from './model.js';
import type { IncidentsSpec, LatencySpec, Severity, StepSpec, WorkflowSpec } from './schema.js';
import { didYouMean } from './suggest.js';

/** A problem found by a cross-check, located by its path of keys; the loader adds line and column. */
export interface SpecIssue {
  path: (string | number)[];
  message: string;
  /** Point at the key rather than its value (unknown or duplicate keys). */
  atKey?: boolean;
  /** A position inside the value (a CEL expression's error): characters from its start. */
  offset?: number | undefined;
}

export interface Defaults {
  graceMs: number;
  retentionMs: number;
  severity: Severity;
  incidents?: IncidentsSpec;
}

export const BUILTIN_DEFAULTS: Defaults = {
  graceMs: 30_000,
  retentionMs: 7 * 86_400_000,
  severity: 'medium',
};

const asList = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];
const quote = (s: string) => JSON.stringify(s);
const OUTCOMES = ['complete', 'fail', 'cancel'] as const;

/** Cross-checks one schema-valid workflow and builds its model; issues instead when it is inconsistent. */
export function compileWorkflow(
  name: string,
  spec: WorkflowSpec,
  defaults: Defaults,
): { model: WorkflowModel; issues: [] } | { model: undefined; issues: SpecIssue[] } {
  const base = ['workflows', name];
  const issues: SpecIssue[] = [];
  const steps = spec.steps ?? {};
  const stepKeys = Object.keys(steps);

  // Every name the workflow knows, in model order: start, steps, outcome-only names.
  const names: string[] = [spec.start];
  if (stepKeys.includes(spec.start)) {
    issues.push({
      path: [...base, 'steps', spec.start],
      atKey: true,
      message: `${quote(spec.start)} is the workflow start and is defined by \`start\`; remove it from steps`,
    });
  }
  for (const key of stepKeys) if (key !== spec.start) names.push(key);

  const outcomeOf = new Map<string, (typeof OUTCOMES)[number]>();
  for (const outcome of OUTCOMES) {
    const list = spec[outcome];
    const entries = asList(list);
    entries.forEach((step, i) => {
      const path = Array.isArray(list) ? [...base, outcome, i] : [...base, outcome];
      if (step === spec.start) {
        issues.push({
          path,
          message: `the start ${quote(step)} cannot also ${outcome} the workflow; list another step`,
        });
        return;
      }
      const earlier = outcomeOf.get(step);
      if (earlier === outcome) {
        issues.push({ path, message: `${quote(step)} is listed twice in ${outcome}; remove the repeat` });
        return;
      }
      if (earlier !== undefined) {
        issues.push({
          path,
          message: `${quote(step)} is already in ${earlier}; a step can be in only one of complete, fail and cancel`,
        });
        return;
      }
      outcomeOf.set(step, outcome);
      if (outcome !== 'complete' && stepKeys.includes(step)) {
        issues.push({
          path,
          message: `${quote(step)} is an expected step under steps, so it cannot ${outcome} the workflow; remove it from steps or from ${outcome}`,
        });
      }
      if (!names.includes(step)) names.push(step);
    });
  }

  const index = new Map(names.map((n, i) => [n, i] as const));
  const known = `known steps: ${names.join(', ')}`;
  const checkRef = (ref: string, path: (string | number)[], what: string): number | undefined => {
    const at = index.get(ref);
    if (at === undefined) {
      issues.push({
        path,
        message: `unknown step ${quote(ref)} in ${what}.${didYouMean(ref, names)} (${known})`,
      });
    }
    return at;
  };

  const afterOf: number[][] = names.map(() => []);
  const counts: (StepCount | undefined)[] = names.map(() => undefined);
  for (const key of stepKeys) {
    const at = index.get(key);
    const step: StepSpec = steps[key] ?? {};
    if (at === undefined || at === 0) continue;
    const stepPath = [...base, 'steps', key];
    const after = asList(step.after);
    const seen = new Set<number>();
    after.forEach((ref, i) => {
      const path = Array.isArray(step.after) ? [...stepPath, 'after', i] : [...stepPath, 'after'];
      const target = checkRef(ref, path, 'after');
      if (target === undefined) return;
      if (seen.has(target))
        issues.push({ path, message: `${quote(ref)} is listed twice in after; remove the repeat` });
      seen.add(target);
    });
    afterOf[at] = after.length === 0 ? [0] : [...seen];
    if (typeof step.count === 'number') counts[at] = { fixed: step.count };
    else if (step.count !== undefined) {
      const from = checkRef(step.count.from, [...stepPath, 'count', 'from'], 'count.from');
      if (from !== undefined) counts[at] = { from, attribute: step.count.attribute };
    }
  }

  checkCycles(afterOf, names, (cycle) => {
    const first = cycle[0] ?? 0;
    const firstName = names[first] ?? '';
    issues.push({
      path: [...base, 'steps', firstName, 'after'],
      message: `cycle in after: ${[...cycle, first].map((i) => names[i]).join(' → ')}; remove one of these after links`,
    });
  });

  const severity = spec.severity ?? defaults.severity;
  const checked = compileAssertions(spec.assert, base, index, severity);
  issues.push(...checked.issues);

  if (issues.length > 0) return { model: undefined, issues };

  const stepModels: StepModel[] = names.map((stepName, i) => {
    const stepSpec = steps[stepName] ?? {};
    const isStepKey = i > 0 && stepKeys.includes(stepName);
    return {
      name: stepName,
      index: i,
      required: i === 0 || (isStepKey && stepSpec.optional !== true),
      underSteps: isStepKey,
      withinMs: stepSpec.within === undefined ? undefined : parseDuration(stepSpec.within),
      after: afterOf[i] ?? [],
      count: counts[i],
      completes: outcomeOf.get(stepName) === 'complete',
      fails: outcomeOf.get(stepName) === 'fail',
      cancels: outcomeOf.get(stepName) === 'cancel',
      feeds: counts.flatMap((c, counted) =>
        c !== undefined && 'from' in c && c.from === i ? [counted] : [],
      ),
      // Only expected steps: the start has nothing before it, outcome-only names no `after`.
      latency: isStepKey ? latencyModel(spec.latency, stepSpec.latency) : undefined,
    };
  });

  return {
    issues: [],
    model: {
      name,
      description: spec.description,
      severity,
      graceMs: spec.grace === undefined ? defaults.graceMs : (parseDuration(spec.grace) ?? defaults.graceMs),
      deadlineMs: parseDuration(spec.deadline) ?? 0,
      retentionMs: defaults.retentionMs,
      strictOrder: spec.strictOrder ?? false,
      steps: stepModels,
      stepIndex: index,
      byName: names.map((_, i) => i).sort((a, b) => ((names[a] ?? '') < (names[b] ?? '') ? -1 : 1)),
      hasCompleteList: asList(spec.complete).length > 0,
      assertions: checked.assertions,
      incidents: incidentsModel(defaults.incidents, spec.incidents),
      maintenance: (spec.maintenance ?? []).map((m) => ({
        cron: m.cron,
        durationMs: parseDuration(m.for) ?? 0,
        reason: m.reason,
      })),
      keepsAttributes: names.map((_, i) => checked.assertions.some((a) => a.when.includes(i))),
    },
  };
}

export const INCIDENT_DEFAULTS: IncidentsModel = {
  windowMs: 60_000,
  threshold: 5,
  updateEveryMs: 5 * 60_000,
};

function incidentsModel(
  fileDefaults: IncidentsSpec | undefined,
  own: IncidentsSpec | undefined,
): IncidentsModel {
  const spec = { ...fileDefaults, ...own };
  const ms = (d: string | undefined, fallback: number) =>
    d === undefined ? fallback : (parseDuration(d) ?? fallback);
  return {
    windowMs: ms(spec.window, INCIDENT_DEFAULTS.windowMs),
    threshold: spec.threshold ?? INCIDENT_DEFAULTS.threshold,
    updateEveryMs: ms(spec.updateEvery, INCIDENT_DEFAULTS.updateEveryMs),
  };
}

export const LATENCY_DEFAULTS = { factor: 3, minSamples: 200, windowMs: 15 * 60_000, baselineWindows: 4 };

/** A step's latency settings: its own over its workflow's over the defaults; none when neither sets any. */
function latencyModel(
  workflow: LatencySpec | undefined,
  step: LatencySpec | undefined,
): LatencyModel | undefined {
  if (workflow === undefined && step === undefined) return undefined;
  const spec = { ...workflow, ...step };
  return {
    factor: spec.factor ?? LATENCY_DEFAULTS.factor,
    minSamples: spec.minSamples ?? LATENCY_DEFAULTS.minSamples,
    windowMs: spec.window === undefined ? LATENCY_DEFAULTS.windowMs : (parseDuration(spec.window) ?? 0),
    baselineWindows: spec.baseline ?? LATENCY_DEFAULTS.baselineWindows,
  };
}

/** Depth-first search over `after` links; reports each cycle once. */
function checkCycles(afterOf: number[][], names: string[], onCycle: (cycle: number[]) => void): void {
  const state = names.map(() => 0); // 0 new, 1 on the stack, 2 done
  const stack: number[] = [];
  const visit = (i: number): void => {
    if (state[i] === 2) return;
    if (state[i] === 1) {
      onCycle(stack.slice(stack.indexOf(i)));
      return;
    }
    state[i] = 1;
    stack.push(i);
    for (const dep of afterOf[i] ?? []) visit(dep);
    stack.pop();
    state[i] = 2;
  };
  names.forEach((_, i) => {
    visit(i);
  });
}
