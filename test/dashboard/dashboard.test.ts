import { describe, expect, it } from 'vitest';
import { dashboardBody } from '../../src/dashboard/dashboard.js';
import { loadWorkflowFile } from '../../src/workflow/load.js';
import { cli } from '../cli/run-cli.js';

describe('the dashboard generated from a workflow file', () => {
  it('lays a row per workflow under its heading, then the monitor row, without overlaps', () => {
    const config = loadWorkflowFile('examples/workflows.yml');
    const { widgets } = dashboardBody(config, {
      namespace: 'overdue/prod',
      region: 'eu-west-1',
      consumerFunction: 'c',
    });
    const headings = widgets.filter((w) => w.type === 'text').map((w) => w.properties.markdown);
    expect(headings).toEqual([
      '## order-fulfilment — Order placed through to shipment',
      '## user-signup — Account created, email verified, welcome sent',
      '## refund — Refund requested, approved, paid back and the customer told',
      '## The monitor itself',
    ]);
    // Every row is the dashboard's full width and no two widgets share a cell.
    const cells = new Set<string>();
    for (const w of widgets) {
      for (let x = w.x; x < w.x + w.width; x++)
        for (let y = w.y; y < w.y + w.height; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
      expect(w.x + w.width).toBeLessThanOrEqual(24);
    }
    const iterator = widgets.find((w) => w.properties.title === 'consumer iterator age (max)');
    expect(iterator?.properties.metrics).toEqual([
      ['AWS/Lambda', 'IteratorAge', 'FunctionName', 'c', { stat: 'Maximum', period: 60 }],
    ]);
  });

  it('prints the body with `overdue dashboard`, names given or left to CloudFormation', async () => {
    const given = await cli([
      'dashboard',
      '-c',
      'examples/workflows.yml',
      '--namespace',
      'overdue/prod',
      '--region',
      'eu-west-1',
      '--consumer',
      'overdue-prod-consumer',
    ]);
    expect(given.code).toBe(0);
    expect(given.stdout).not.toContain('${');
    expect(JSON.parse(given.stdout).widgets).toHaveLength(3 * 5 + 6);
    const templated = await cli(['dashboard', '-c', 'examples/workflows.yml']);
    expect(templated.stdout).toContain('"region":"$' + '{AWS::Region}"');
  });
});
