import type { WorkflowConfig } from '../workflow/model.js';

/**
 * The CloudWatch dashboard of a deployment, from its workflow file: a row per workflow (outcomes,
 * alerts by kind, step latency p50/p99 cold and warm, attempts per success) and a row for the
 * monitor's own health (iterator age, ingest lag, watermark lag, sweep duration, unpublished
 * alerts). Behaviour metrics are read through SEARCH expressions, which find every dimension
 * combination the functions wrote (each function adds its `service`), so a step added to the file
 * shows up without a new widget definition.
 */
export interface DashboardNames {
  namespace: string;
  region: string;
  consumerFunction: string;
}

/** Placeholders CloudFormation's Fn::Sub fills in at deploy time (built, so no literal looks like a template). */
const sub = (name: string) => `\${${name}}`;
export const CLOUDFORMATION_NAMES: Omit<DashboardNames, 'namespace'> = {
  region: sub('AWS::Region'),
  consumerFunction: sub('ConsumerLambdaFunction'),
};

interface Widget {
  type: 'metric' | 'text';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

const WIDTH = 24;
const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export function dashboardBody(config: WorkflowConfig, names: DashboardNames): { widgets: Widget[] } {
  const widgets: Widget[] = [];
  let y = 0;
  const search = (dimensions: string[], metric: string, filter: string, stat: string, period = 60) =>
    `SEARCH('{${[quote(names.namespace), ...dimensions].join(',')}} MetricName=${quote(metric)}${filter ? ` ${filter}` : ''}', ${quote(stat).replace(/"/g, "'")}, ${period})`;
  const metricWidget = (
    x: number,
    width: number,
    title: string,
    expressions: { expression: string; label?: string }[],
    extra: Record<string, unknown> = {},
  ): Widget => ({
    type: 'metric',
    x,
    y,
    width,
    height: 6,
    properties: {
      title,
      region: names.region,
      view: 'timeSeries',
      stacked: false,
      metrics: expressions.map((e, i) => [
        { expression: e.expression, id: `e${i + 1}`, label: e.label ?? '' },
      ]),
      ...extra,
    },
  });

  for (const model of config.workflows.values()) {
    const wf = `workflow=${quote(model.name)}`;
    widgets.push({
      type: 'text',
      x: 0,
      y,
      width: WIDTH,
      height: 1,
      properties: { markdown: `## ${model.name}${model.description ? ` — ${model.description}` : ''}` },
    });
    y += 1;
    widgets.push(
      metricWidget(0, 6, `${model.name}: outcomes`, [
        { expression: search(['service', 'status', 'workflow'], 'outcomes', wf, 'Sum') },
      ]),
      metricWidget(6, 6, `${model.name}: alerts by kind`, [
        { expression: search(['kind', 'service', 'workflow'], 'alerts', wf, 'Sum') },
      ]),
      metricWidget(12, 6, `${model.name}: step latency p50 / p99, cold and warm`, [
        {
          expression: search(['service', 'start', 'step', 'workflow'], 'stepLatency', wf, 'p50', 300),
          label: 'p50',
        },
        {
          expression: search(['service', 'start', 'step', 'workflow'], 'stepLatency', wf, 'p99', 300),
          label: 'p99',
        },
      ]),
      metricWidget(18, 6, `${model.name}: attempts per success, failures`, [
        {
          expression: search(['service', 'step', 'workflow'], 'attempts', wf, 'Average', 300),
          label: 'attempts',
        },
        {
          expression: search(['service', 'step', 'workflow'], 'stepFailures', wf, 'Sum', 300),
          label: 'failures',
        },
      ]),
    );
    y += 6;
  }

  widgets.push({
    type: 'text',
    x: 0,
    y,
    width: WIDTH,
    height: 1,
    properties: { markdown: '## The monitor itself' },
  });
  y += 1;
  const lambda = (fn: string, metric: string, stat: string) => [
    'AWS/Lambda',
    metric,
    'FunctionName',
    fn,
    { stat, period: 60 },
  ];
  widgets.push(
    {
      type: 'metric',
      x: 0,
      y,
      width: 5,
      height: 6,
      properties: {
        title: 'consumer iterator age (max)',
        region: names.region,
        view: 'timeSeries',
        metrics: [lambda(names.consumerFunction, 'IteratorAge', 'Maximum')],
      },
    },
    metricWidget(5, 5, 'ingest lag by source (p99)', [
      { expression: search(['service', 'source'], 'ingestLag', '', 'p99') },
    ]),
    metricWidget(10, 5, 'watermark lag (now − T, max)', [
      { expression: search(['service'], 'watermarkLag', '', 'Maximum') },
    ]),
    metricWidget(15, 5, 'sweep duration (p99)', [
      { expression: search(['service'], 'sweepDuration', '', 'p99') },
    ]),
    metricWidget(20, 4, 'unpublished alerts', [
      { expression: search(['service'], 'unpublishedAlerts', '', 'Maximum') },
    ]),
  );
  return { widgets };
}
