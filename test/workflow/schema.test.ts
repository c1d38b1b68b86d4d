import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { workflowFileJsonSchema } from '../../src/workflow/schema.js';

describe('JSON Schema of the workflow file', () => {
  it('matches the committed copy (regenerate with npm run schema)', () => {
    const committed = JSON.parse(readFileSync('schema/workflows.schema.json', 'utf8'));
    expect(committed).toEqual(workflowFileJsonSchema());
  });

  it('describes the keys editors should offer, and refuses unknown ones', () => {
    const schema = workflowFileJsonSchema() as {
      properties: {
        workflows: { additionalProperties: { properties: object; additionalProperties: boolean } };
      };
      required: string[];
    };
    const workflow = schema.properties.workflows.additionalProperties;
    expect(Object.keys(workflow.properties)).toEqual([
      'description',
      'start',
      'deadline',
      'severity',
      'grace',
      'steps',
      'complete',
      'fail',
      'cancel',
      'strictOrder',
      'latency',
      'incidents',
      'maintenance',
      'assert',
    ]);
    expect(workflow.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['version', 'workflows']);
  });
});
