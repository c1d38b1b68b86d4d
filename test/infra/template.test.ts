import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const OSLS = join('node_modules', 'osls', 'bin', 'serverless.js');

/** `osls package` as `npm run package` runs it, offline, with no AWS credentials at all. */
async function osls(out: string, ...args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  return run(
    process.execPath,
    [OSLS, 'package', '--stage', 'test', '--region', 'eu-west-1', '--package', out, ...args],
    {
      env: { ...env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
      timeout: 120_000,
    },
  );
}

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON, read deep in assertions
type Resource = { Type: string; Condition?: string; DependsOn?: unknown; Properties: Record<string, any> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

let resources: Record<string, Resource>;
let outputs: Record<string, unknown>;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'overdue-package-'));
  await osls(dir);
  const template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
  resources = template.Resources;
  outputs = template.Outputs;
}, 120_000);

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const statements = (role: string): Statement[] =>
  resources[role]?.Properties.Policies.flatMap(
    (p: { PolicyDocument: { Statement: Statement[] } }) => p.PolicyDocument.Statement,
  );
const actions = (role: string) => statements(role).flatMap((s) => s.Action);

describe('serverless.yml, packaged offline', () => {
  it('runs every function on nodejs22.x arm64, each with its own role and no shared one', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.map(([id]) => id).sort()).toEqual([
      'ConsumerLambdaFunction',
      'PagerdutyLambdaFunction',
      'SlackLambdaFunction',
      'SweepWorkerLambdaFunction',
      'SweeperLambdaFunction',
    ]);
    for (const [id, fn] of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Role).toEqual({
        'Fn::GetAtt': [id.replace('LambdaFunction', 'IamRoleLambdaExecution'), 'Arn'],
      });
    }
    expect(resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it('grants each function only what it calls, on named resources', () => {
    const roles = [
      'ConsumerIamRoleLambdaExecution',
      'SweeperIamRoleLambdaExecution',
      'SweepWorkerIamRoleLambdaExecution',
    ];
    for (const role of roles) {
      for (const s of statements(role)) {
        expect(s.Resource).not.toBe('*');
        expect(s.Resource).not.toContain('*');
      }
    }
    const consumer = actions('ConsumerIamRoleLambdaExecution');
    const sweeper = actions('SweeperIamRoleLambdaExecution');
    expect(consumer).toEqual(
      expect.arrayContaining([
        'dynamodb:PutItem',
        'dynamodb:BatchWriteItem',
        'kinesis:GetRecords',
        'sns:Publish',
        'sqs:SendMessage',
      ]),
    );
    expect(consumer).not.toContain('kinesis:PutRecords');
    expect(consumer).not.toContain('dynamodb:Scan');
    expect(sweeper).toEqual(
      expect.arrayContaining(['dynamodb:Query', 'kinesis:ListShards', 'kinesis:PutRecords', 'sns:Publish']),
    );
    expect(sweeper).not.toContain('kinesis:GetRecords');
    expect(sweeper).not.toContain('dynamodb:Scan');
    expect(sweeper).not.toContain('dynamodb:BatchWriteItem');
    // The sweeper may invoke its workers and nothing else; a worker never touches the stream, so it
    // can neither put heartbeats nor invoke anything.
    const invoke = statements('SweeperIamRoleLambdaExecution').filter((s) =>
      [s.Action].flat().includes('lambda:InvokeFunction'),
    );
    expect(invoke.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': ['SweepWorkerLambdaFunction', 'Arn'] }]);
    const worker = actions('SweepWorkerIamRoleLambdaExecution');
    expect(worker).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:PutItem', 'sns:Publish']));
    for (const denied of [
      'kinesis:PutRecords',
      'kinesis:ListShards',
      'lambda:InvokeFunction',
      'dynamodb:Scan',
    ]) {
      expect(worker).not.toContain(denied);
    }
  });

  it('tells the sweeper its worker function and count, one by default (no fan-out)', () => {
    const env = resources.SweeperLambdaFunction?.Properties.Environment.Variables;
    expect(env.SWEEP_WORKERS).toBe('1');
    // Continuous detection by default: a sweep every 5 s, each waiting for its own heartbeats.
    expect(env.SWEEP_EVERY).toBe('5s');
    expect(env.AWAIT_HEARTBEATS).toBe('3s');
    expect(env.SWEEP_WORKER).toEqual({ Ref: 'SweepWorkerLambdaFunction' });
    // Nothing but the sweeper invokes a worker: no schedule, no stream, no permission for a service.
    const invokers = ofType('AWS::Lambda::Permission').filter(([, p]) =>
      JSON.stringify(p.Properties.FunctionName).includes('SweepWorker'),
    );
    expect(invokers).toEqual([]);
  });

  it('reads the stream with partial batch failures, bisection, finite retries and a failure destination', () => {
    const [[, mapping]] = ofType('AWS::Lambda::EventSourceMapping') as [[string, Resource]];
    expect(mapping.Properties).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 86400,
      BatchSize: 2000,
      MaximumBatchingWindowInSeconds: 2,
      StartingPosition: 'TRIM_HORIZON',
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['FailureQueue', 'Arn'] } } },
    });
  });

  it('sweeps every minute', () => {
    const [[, rule]] = ofType('AWS::Events::Rule') as [[string, Resource]];
    expect(rule.Properties.ScheduleExpression).toBe('rate(1 minute)');
  });

  it('creates an encrypted on-demand stream unless an existing one is named', () => {
    const stream = resources.TelemetryStream as Resource;
    expect(stream.Condition).toBe('CreateStream');
    expect(stream.Properties.StreamModeDetails).toEqual({ StreamMode: 'ON_DEMAND' });
    expect(stream.Properties.StreamEncryption).toEqual({ EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });
  });

  it('keeps state in an on-demand, encrypted table with the wake-up index, TTL and point-in-time recovery', () => {
    const table = (resources.OverdueTable as Resource).Properties;
    const provisioned = {
      'Fn::If': ['Provisioned', { ReadCapacityUnits: 50, WriteCapacityUnits: 50 }, { Ref: 'AWS::NoValue' }],
    };
    expect(table.BillingMode).toEqual({ 'Fn::If': ['Provisioned', 'PROVISIONED', 'PAY_PER_REQUEST'] });
    expect(table.ProvisionedThroughput).toEqual(provisioned);
    expect(table.SSESpecification).toEqual({ SSEEnabled: true });
    expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true });
    expect(table.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'due',
        KeySchema: [
          { AttributeName: 'gsk', KeyType: 'HASH' },
          { AttributeName: 'due', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
        ProvisionedThroughput: provisioned,
      },
    ]);
  });

  it('in billingMode provisioned, scales the table and the index at 70% utilisation, on-demand otherwise', () => {
    expect(JSON.stringify(resources.OverdueTable)).toContain('"Provisioned"');
    const targets = ofType('AWS::ApplicationAutoScaling::ScalableTarget');
    expect(targets.map(([, t]) => t.Properties.ScalableDimension).sort()).toEqual([
      'dynamodb:index:ReadCapacityUnits',
      'dynamodb:index:WriteCapacityUnits',
      'dynamodb:table:ReadCapacityUnits',
      'dynamodb:table:WriteCapacityUnits',
    ]);
    for (const [id, target] of targets) {
      expect(target.Condition).toBe('Provisioned');
      expect(target.Properties).toMatchObject({ MinCapacity: 50, MaxCapacity: 40000 });
      const [[, policy]] = ofType('AWS::ApplicationAutoScaling::ScalingPolicy').filter(
        ([, p]) => p.Properties.ScalingTargetId.Ref === id,
      ) as [[string, Resource]];
      expect(policy.Condition).toBe('Provisioned');
      expect(policy.Properties.TargetTrackingScalingPolicyConfiguration.TargetValue).toBe(70);
    }
  });

  it('generates a dashboard from the workflow file: a row per workflow, then the monitor itself', () => {
    const dashboard = resources.OverdueDashboard as Resource;
    expect(dashboard.Type).toBe('AWS::CloudWatch::Dashboard');
    expect(dashboard.Properties.DashboardName).toBe('overdue-test');
    const sub: string = dashboard.Properties.DashboardBody['Fn::Sub'];
    // Only CloudFormation's own names are left for Fn::Sub to fill in.
    const placeholders = [...new Set([...sub.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]))];
    expect(placeholders.sort()).toEqual(['AWS::Region', 'ConsumerLambdaFunction']);
    const body = JSON.parse(sub) as { widgets: { type: string; properties: Record<string, unknown> }[] };
    const titles = body.widgets.filter((w) => w.type === 'metric').map((w) => w.properties.title);
    for (const workflow of ['order-fulfilment', 'user-signup', 'refund']) {
      expect(titles).toEqual(
        expect.arrayContaining([
          `${workflow}: outcomes`,
          `${workflow}: alerts by kind`,
          `${workflow}: step latency p50 / p99, cold and warm`,
          `${workflow}: attempts per success, failures`,
        ]),
      );
    }
    expect(titles).toEqual(
      expect.arrayContaining([
        'consumer iterator age (max)',
        'ingest lag by source (p99)',
        'watermark lag (now − T, max)',
        'sweep duration (p99)',
        'unpublished alerts',
      ]),
    );
    const latency = body.widgets.find(
      (w) => w.properties.title === 'refund: step latency p50 / p99, cold and warm',
    );
    expect(JSON.stringify(latency?.properties.metrics)).toContain(
      `SEARCH('{\\"overdue/test\\",service,start,step,workflow} MetricName=\\"stepLatency\\" workflow=\\"refund\\"', 'p99', 300)`,
    );
  });

  it('subscribes the PagerDuty and Slack receivers only when switched on, each reading only its own SSM secret', () => {
    for (const [name, fn] of [
      ['PagerDuty', 'Pagerduty'],
      ['Slack', 'Slack'],
    ]) {
      expect(resources[`${name}Subscription`]).toMatchObject({
        Condition: name,
        Properties: {
          Protocol: 'lambda',
          TopicArn: { Ref: 'AlertTopic' },
          Endpoint: { 'Fn::GetAtt': [`${fn}LambdaFunction`, 'Arn'] },
        },
      });
      expect(resources[`${name}InvokePermission`]).toMatchObject({
        Condition: name,
        Properties: { Principal: 'sns.amazonaws.com', SourceArn: { Ref: 'AlertTopic' } },
      });
      const role = `${fn}IamRoleLambdaExecution`;
      const own = statements(role).filter((s) => !String(s.Action).includes('logs:'));
      expect(own).toEqual([
        {
          Effect: 'Allow',
          Action: ['ssm:GetParameter'],
          Resource: {
            'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/overdue/test/${fn === 'Slack' ? 'slack-webhook-url' : 'pagerduty-routing-key'}`,
          },
        },
      ]);
    }
    // No extra subscriptions by default: the subscriptions parameter is an empty list.
    expect(Object.keys(resources).filter((id) => id.startsWith('AlertSubscription'))).toEqual([]);
  });

  it('encrypts the topics with a rotated key and the failure queue with SQS-managed keys', () => {
    for (const id of ['AlertTopic', 'OpsTopic']) {
      expect(resources[id]?.Properties.KmsMasterKeyId).toEqual({ Ref: 'MonitorKey' });
    }
    expect(resources.MonitorKey?.Properties.EnableKeyRotation).toBe(true);
    expect(resources.FailureQueue?.Properties.SqsManagedSseEnabled).toBe(true);
  });

  it('alarms on the monitor itself', () => {
    const alarms = Object.fromEntries(
      ofType('AWS::CloudWatch::Alarm').map(([id, a]) => [
        id,
        `${a.Properties.Namespace} ${a.Properties.MetricName}`,
      ]),
    );
    expect(alarms).toEqual({
      ConsumerIteratorAgeAlarm: 'AWS/Lambda IteratorAge',
      ConsumerErrorsAlarm: 'AWS/Lambda Errors',
      SweeperErrorsAlarm: 'AWS/Lambda Errors',
      SweepWorkerErrorsAlarm: 'AWS/Lambda Errors',
      FailureQueueDepthAlarm: 'AWS/SQS ApproximateNumberOfMessagesVisible',
      SweeperNotRunningAlarm: 'AWS/Lambda Invocations',
      UnpublishedAlertsAlarm: 'overdue/test unpublishedAlerts',
      ConsumerCommitFailuresAlarm: 'overdue/test commitFailures',
      SweeperCommitFailuresAlarm: 'overdue/test commitFailures',
      HeartbeatFailuresAlarm: 'overdue/test heartbeatFailures',
      ForgedHeartbeatsAlarm: 'overdue/test forgedHeartbeats',
    });
    // A sweeper that is never invoked reports nothing: missing data must breach.
    expect(resources.SweeperNotRunningAlarm?.Properties).toMatchObject({
      TreatMissingData: 'breaching',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
    });
    // The custom metrics are the ones the functions emit, under the namespace they are given.
    const fn = (id: string) => resources[id]?.Properties.Environment.Variables;
    expect(fn('SweeperLambdaFunction').METRICS_NAMESPACE).toBe('overdue/test');
    expect(fn('ConsumerLambdaFunction').METRICS_NAMESPACE).toBe('overdue/test');
    expect(fn('ConsumerLambdaFunction').MAX_SKEW).toBe('2m');
    expect(fn('SweeperLambdaFunction').INDEX_SHARDS).toBe('16');
    expect(resources.UnpublishedAlertsAlarm?.Properties.Dimensions).toEqual([
      { Name: 'service', Value: 'sweeper' },
    ]);
    for (const id of ['SweeperNotRunningAlarm', 'UnpublishedAlertsAlarm', 'ConsumerCommitFailuresAlarm']) {
      expect(resources[id]?.Properties.AlarmActions).toEqual([{ Ref: 'OpsTopic' }]);
    }
  });

  it('outputs the stream, topic and table', () => {
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['StreamName', 'AlertTopicArn', 'TableName']),
    );
  });

  it('bundles the workflow file with each function', async () => {
    const { stdout } = await run('unzip', ['-l', join(dir, 'consumer.zip')]);
    expect(stdout).toContain('examples/workflows.yml');
    expect(stdout).toContain('functions/consumer.mjs');
  });

  it('refuses to package a bad workflow file, naming the file, the path in it and the fix', async () => {
    const out = mkdtempSync(join(tmpdir(), 'overdue-package-bad-'));
    const failure = await osls(out, '--param', 'workflows=test/fixtures/typo-after.yml').then(
      () => undefined,
      (error: { stdout: string; stderr: string }) => `${error.stdout}${error.stderr}`,
    );
    expect(failure).toContain('The workflow file cannot be deployed');
    expect(failure).toMatch(/test\/fixtures\/typo-after\.yml:\d+:\d+ workflows\.\S+\.after/);
    expect(failure).toContain('Did you mean "payment.authorized"?');
  }, 60_000);

  it.each([
    ['an absolute path', '/etc/overdue/workflows.yml'],
    ['a path outside the service', '../elsewhere.yml'],
  ])(
    'refuses a workflow file at %s: it could not be bundled where the functions read it',
    async (_, file) => {
      const out = mkdtempSync(join(tmpdir(), 'overdue-package-outside-'));
      const failure = await osls(out, '--param', `workflows=${file}`).then(
        () => undefined,
        (error: { stdout: string; stderr: string }) => `${error.stdout}${error.stderr}`,
      );
      expect(failure).toContain(
        `The workflow file cannot be deployed: ${file} is outside this service directory`,
      );
      expect(failure).toContain('--param="workflows=workflows.yml"');
    },
    60_000,
  );
});
