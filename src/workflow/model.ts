import type { Severity } from './schema.js';

/** How many successful events finish a step. */
export type StepCount = { readonly fixed: number } | { readonly from: number; readonly attribute: string };

/** Learned latency baselines for a step (`latency:` in the file, the workflow's or the step's own). */
export interface LatencyModel {
  readonly factor: number;
  readonly minSamples: number;
  readonly windowMs: number;
  /** Windows before the judged one that make its baseline. */
  readonly baselineWindows: number;
}

export interface StepModel {
  readonly name: string;
  readonly index: number;
  /** The start, and every key of `steps` not marked optional. */
  readonly required: boolean;
  /** A key of `steps`: an expected step, rather than the start or a name only listed in an outcome. */
  readonly underSteps: boolean;
  readonly withinMs: number | undefined;
  /** Indexes of the steps this one follows (the start when not given). */
  readonly after: readonly number[];
  readonly count: StepCount | undefined;
  readonly completes: boolean;
  readonly fails: boolean;
  readonly cancels: boolean;
  /** Counted steps whose count this step's first successful event carries (`count.from`). */
  readonly feeds: readonly number[];
  /** Latency tracked against a learned baseline: from the latest of its `after` steps to it. */
  readonly latency: LatencyModel | undefined;
}

/** What an assertion's expression sees of one step: its first successful event. */
/**
 * What an assertion sees of a step: a CEL object type with declared fields, so that a misspelt field
 * or a comparison of the wrong types is refused at load rather than met at run time. A field the
 * event did not carry is undefined, which CEL reads as absent (`has()` is false).
 */
export class StepView {
  attributes: Readonly<Record<string, unknown>> = {};
  readonly time = new Date(0);
  source: string | undefined = undefined;
  durationMs: number | undefined = undefined;
  coldStart: boolean | undefined = undefined;
}

/** StepView's fields as CEL declares them. */
export const STEP_VIEW_FIELDS = {
  attributes: 'map<string, dyn>',
  time: 'google.protobuf.Timestamp',
  source: 'string',
  durationMs: 'double',
  coldStart: 'bool',
} as const;

/** A check on results across steps (`assert:` in the file), compiled once at load. */
export interface AssertionModel {
  readonly name: string;
  readonly expr: string;
  /** Step indexes: evaluated once all are done. */
  readonly when: readonly number[];
  readonly severity: Severity;
  /** Pure and bounded: true, false, or throws an EvaluationError (a missing attribute, a type). */
  readonly evaluate: (steps: Readonly<Record<string, StepView>>) => unknown;
}

/** Grouping of alert storms into incidents (`incidents:` in the file). */
export interface IncidentsModel {
  readonly windowMs: number;
  /** More alerts of one kind and step than this in a window open an incident; 0: never group. */
  readonly threshold: number;
  readonly updateEveryMs: number;
}

/** A recurring maintenance window (`maintenance:` in the file): alerts in it are recorded, not published. */
export interface MaintenanceWindow {
  readonly cron: string;
  readonly durationMs: number;
  readonly reason: string | undefined;
}

/** A validated workflow, indexed for the engine: all lookups are by position, not by name. */
export interface WorkflowModel {
  readonly name: string;
  readonly description: string | undefined;
  readonly severity: Severity;
  readonly graceMs: number;
  readonly deadlineMs: number;
  readonly retentionMs: number;
  readonly strictOrder: boolean;
  /** Start first, then `steps` in file order, then names only listed in complete/fail/cancel. */
  readonly steps: readonly StepModel[];
  readonly stepIndex: ReadonlyMap<string, number>;
  /** Step indexes sorted by name: the order in which deadlines that fall due together are processed. */
  readonly byName: readonly number[];
  readonly hasCompleteList: boolean;
  readonly assertions: readonly AssertionModel[];
  readonly incidents: IncidentsModel;
  readonly maintenance: readonly MaintenanceWindow[];
  /** Per step index: an assertion reads this step's attributes, so the instance keeps them. */
  readonly keepsAttributes: readonly boolean[];
}

export interface WorkflowConfig {
  readonly file: string;
  readonly workflows: ReadonlyMap<string, WorkflowModel>;
  /** step name → workflows defining it, to infer the workflow of an event that names none. */
  readonly stepOwners: ReadonlyMap<string, readonly string[]>;
}
