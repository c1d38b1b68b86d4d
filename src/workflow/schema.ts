import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { DURATION_HINT, DURATION_PATTERN, parseDuration } from './duration.js';

/** Severity levels, lowest first. */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

// Workflow names end up in DynamoDB keys and SNS attributes: keep them plain.
const WORKFLOW_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
// Step names come from producers (CloudEvents `type`, EventBridge `detail-type`), so spaces are fine.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const STEP_NAME = /^[^\u0000-\u001f\u007f]{1,256}$/;

const duration = z
  .string({ error: `expected a duration: ${DURATION_HINT}` })
  .refine((text) => parseDuration(text) !== undefined, {
    error: (issue) => `${JSON.stringify(issue.input)} is not a duration: ${DURATION_HINT}`,
  })
  .meta({
    description: 'A duration: 500ms, 30s, 15m, 2h, 7d, or ISO-8601 such as PT15M.',
    pattern: DURATION_PATTERN,
    // What editors (VS Code, yaml-language-server) show instead of the raw regular expression.
    patternErrorMessage:
      'Not a duration: write 500ms, 30s, 15m, 2h, 7d (decimals allowed), or ISO-8601 such as PT15M.',
  });

const severity = z.enum(SEVERITIES, {
  error: (issue) => `${JSON.stringify(issue.input)} is not a severity: use one of ${SEVERITIES.join(', ')}`,
});

const stepName = z
  .string({ error: 'expected a step name (a string)' })
  .regex(STEP_NAME, { error: 'a step name is 1 to 256 characters with no control characters' })
  // Every other name works, `constructor` and `toString` included; this one JavaScript objects
  // cannot hold as a plain key.
  .refine((name) => name !== '__proto__', { error: '"__proto__" cannot be a step name: rename the step' });

const stepList = z.union([stepName, z.array(stepName).min(1, { error: 'list at least one step' })], {
  error: 'expected a step name or a list of step names',
});

const count = z.union(
  [
    z.int().min(0),
    z.strictObject({
      from: stepName.meta({ description: 'The step whose first successful event carries the count.' }),
      attribute: z.string().min(1).meta({ description: 'The attribute of that event that holds the count.' }),
    }),
  ],
  { error: 'expected a whole number ≥ 0, or { from: STEP, attribute: NAME }' },
);

export const latencySchema = z
  .strictObject({
    factor: z
      .number()
      .gt(1, { error: 'a factor is above 1: how many times slower than the baseline counts as a shift' })
      .optional()
      .meta({ description: 'A shift: recent p50 or p99 this many times the baseline (default 3).' }),
    minSamples: z.int().min(1).optional().meta({
      description: 'Judge a window only with this many runs in it and in the baseline (default 200).',
    }),
    window: duration.optional().meta({ description: 'The length of a window (default 15m).' }),
    baseline: z
      .int()
      .min(1)
      .max(96)
      .optional()
      .meta({ description: 'How many windows before it make the baseline (default 4).' }),
  })
  .meta({ description: 'Learned latency baselines: latency_shift when a step becomes slower.' });

export const incidentsSchema = z
  .strictObject({
    window: duration.optional().meta({ description: 'Alerts are counted per this window (default 1m).' }),
    threshold: z.int().min(0).optional().meta({
      description:
        'More alerts of one kind and step than this in a window open one incident instead (default 5; 0: never group).',
    }),
    updateEvery: duration
      .optional()
      .meta({ description: 'An open incident says how it grows at most this often (default 5m).' }),
  })
  .meta({ description: 'Incidents instead of alert storms (docs/operations.md, On call).' });

const cron = z.string({ error: 'expected a cron expression such as "0 2 * * SUN"' }).refine(
  (text) => {
    try {
      CronExpressionParser.parse(text, { tz: 'UTC' });
      return true;
    } catch {
      return false;
    }
  },
  {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not a cron expression: write minute hour day month weekday, e.g. "0 2 * * SUN"`,
  },
);

export const maintenanceSchema = z
  .strictObject({
    cron: cron.meta({ description: 'When each window starts (UTC), e.g. "0 2 * * SUN".' }),
    for: duration.meta({ description: 'How long each window lasts.' }),
    reason: z.string().optional(),
  })
  .meta({ description: 'A recurring maintenance window: alerts raised in it are recorded, not published.' });

export const stepSchema = z.strictObject({
  description: z.string().optional(),
  after: stepList
    .optional()
    .meta({ description: 'The step(s) this one follows; defaults to the workflow start.' }),
  within: duration
    .optional()
    .meta({ description: 'Deadline: the latest done time among `after` steps plus this.' }),
  count: count
    .optional()
    .meta({ description: 'How many distinct successful events complete the step (fan-out).' }),
  optional: z.boolean().optional().meta({ description: 'Never required, never alerted.' }),
  latency: latencySchema.optional(),
});

// Assertion names end up in alert IDs and messages: plain, like workflow names.
const ASSERTION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const assertionSchema = z.strictObject({
  description: z.string().optional(),
  when: stepList.meta({
    description: 'Evaluated once all of these steps are done; the expression sees only these steps.',
  }),
  expr: z
    .string({ error: 'expected a CEL expression (a string)' })
    .min(1, { error: 'write a CEL expression that is true when the results agree' })
    .meta({
      description:
        "A CEL expression that must be true, over `steps`: each `when` step's first successful event as { attributes, time, source, durationMs, coldStart }, e.g. steps['payment.captured'].attributes.amount == steps['order.placed'].attributes.total.",
    }),
  severity: severity.optional(),
});

export const workflowSchema = z.strictObject({
  description: z.string().optional(),
  start: stepName.meta({ description: 'The step that opens an instance; deadlines count from its time.' }),
  deadline: duration.meta({ description: 'The whole workflow must complete by start + deadline.' }),
  severity: severity.optional(),
  grace: duration.optional().meta({ description: 'Overrides defaults.grace for this workflow.' }),
  steps: z.record(stepName, stepSchema.nullable()).optional(),
  complete: stepList
    .optional()
    .meta({ description: 'Seeing one of these (with all required steps done) completes it.' }),
  fail: stepList.optional().meta({ description: 'Seeing one of these fails the instance.' }),
  cancel: stepList.optional().meta({ description: 'Seeing one of these ends the instance quietly.' }),
  strictOrder: z
    .boolean()
    .optional()
    .meta({ description: 'Raise out_of_order when a step happens before a step it comes after.' }),
  latency: latencySchema.optional(),
  incidents: incidentsSchema.optional(),
  maintenance: z.array(maintenanceSchema).optional(),
  assert: z
    .record(
      z.string().regex(ASSERTION_NAME, {
        error: 'an assertion name is 1 to 64 letters, digits, dots, dashes or underscores',
      }),
      assertionSchema,
    )
    .optional()
    .meta({ description: 'Checks on results across steps, in CEL: assertion_failed when one is false.' }),
});

export const defaultsSchema = z.strictObject({
  grace: duration
    .optional()
    .meta({ description: 'How long to wait for late events before concluding "missing".' }),
  retention: duration.optional().meta({ description: 'How long finished instances are kept.' }),
  severity: severity.optional(),
  incidents: incidentsSchema.optional(),
});

export const workflowFileSchema = z
  .strictObject({
    version: z.literal(1, { error: 'version must be 1' }),
    defaults: defaultsSchema.optional(),
    workflows: z
      .record(
        z.string().regex(WORKFLOW_NAME, {
          error: 'a workflow name is 1 to 64 letters, digits, dots, dashes or underscores',
        }),
        workflowSchema,
        { error: 'expected a map of workflow names to workflows' },
      )
      .refine((w) => Object.keys(w).length > 0, { error: 'define at least one workflow' }),
  })
  .meta({ title: 'overdue workflow file', description: 'The workflows overdue expects to see.' });

export type WorkflowFile = z.infer<typeof workflowFileSchema>;
export type WorkflowSpec = z.infer<typeof workflowSchema>;
export type StepSpec = z.infer<typeof stepSchema>;
export type AssertionSpec = z.infer<typeof assertionSchema>;
export type LatencySpec = z.infer<typeof latencySchema>;
export type IncidentsSpec = z.infer<typeof incidentsSchema>;

/** Keys allowed at each kind of object, for "did you mean" hints on unknown keys. */
export const ALLOWED_KEYS = {
  file: Object.keys(workflowFileSchema.shape),
  defaults: Object.keys(defaultsSchema.shape),
  workflow: Object.keys(workflowSchema.shape),
  step: Object.keys(stepSchema.shape),
  count: ['from', 'attribute'],
  assertion: Object.keys(assertionSchema.shape),
  latency: Object.keys(latencySchema.shape),
  incidents: Object.keys(incidentsSchema.shape),
  maintenance: Object.keys(maintenanceSchema.shape),
} as const;

/** The workflow file's JSON Schema, for editors (yaml-language-server). */
export function workflowFileJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(workflowFileSchema, { io: 'input', unrepresentable: 'any' });
  return { ...schema, $id: 'https://github.com/overdue-dev/overdue/schema/workflows.schema.json' };
}
