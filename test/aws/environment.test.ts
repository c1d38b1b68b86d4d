import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  consumerEnvironment,
  parseEnvironment,
  sweeperEnvironment,
  workflowsPath,
} from '../../src/aws/environment.js';

describe('Lambda environment', () => {
  it('applies defaults and reads durations', () => {
    const env = parseEnvironment(sweeperEnvironment, {
      TABLE_NAME: 't',
      TOPIC_ARN: 'arn',
      STREAM_NAME: 's',
      SWEEP_EVERY: '10s',
    });
    expect(env).toMatchObject({
      WORKFLOWS_FILE: 'workflows.yml',
      LAG_THRESHOLD: 300_000,
      LAG_SEVERITY: 'high',
      SWEEP_EVERY: 10_000,
      SAFETY_MARGIN: 5_000,
      AWAIT_HEARTBEATS: 0,
    });
    expect(
      parseEnvironment(sweeperEnvironment, {
        TABLE_NAME: 't',
        TOPIC_ARN: 'a',
        STREAM_NAME: 's',
        AWAIT_HEARTBEATS: '3s',
      }).AWAIT_HEARTBEATS,
    ).toBe(3_000);
    expect(parseEnvironment(consumerEnvironment, { TABLE_NAME: 't', TOPIC_ARN: 'a' })).toMatchObject({
      QUARANTINE_RETENTION: 14 * 86_400_000,
      LOG_PAYLOADS: false,
    });
  });

  it('names every variable at fault, and how to fix it, in one error', () => {
    const error = (() => {
      try {
        parseEnvironment(sweeperEnvironment, { TOPIC_ARN: 'a', STREAM_NAME: '', LAG_THRESHOLD: 'soon' });
      } catch (e) {
        return e;
      }
      return undefined;
    })() as ConfigurationError;
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe(
      [
        'invalid environment',
        '  TABLE_NAME: not set: set it to the DynamoDB table name',
        '  STREAM_NAME: "" is invalid: set it to the telemetry stream name',
        '  LAG_THRESHOLD: "soon" is invalid: "soon": write a duration such as 500ms, 30s, 15m, 2h, 7d, or ISO-8601 such as PT15M',
      ].join('\n'),
    );
  });

  it('finds the bundled workflow file under the function root', () => {
    expect(workflowsPath('examples/w.yml', { LAMBDA_TASK_ROOT: '/var/task' })).toBe(
      '/var/task/examples/w.yml',
    );
    expect(workflowsPath('/opt/w.yml', { LAMBDA_TASK_ROOT: '/var/task' })).toBe('/opt/w.yml');
  });
});
