// overdue's packaging checks, as a local Serverless plugin:
// - refuses to package (and so to deploy) a workflow file that `overdue validate` rejects;
// - drops the framework's shared Lambda role when every function has its own (least privilege:
//   no role left lying around with the union of everyone's permissions).
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const SHARED_ROLE = 'IamRoleLambdaExecution';

class OverduePackaging {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'before:package:initialize': () => this.validate(),
      'before:package:finalize': () => {
        this.dropUnusedSharedRole();
        this.addDashboard();
        this.addSubscriptions();
      },
    };
  }

  validate() {
    const file = this.serverless.service.provider.environment?.WORKFLOWS_FILE ?? 'workflows.yml';
    // Only files inside the service directory can be bundled where the functions read them at cold
    // start; anything else would package cleanly and fail every cold start.
    const dir = this.serverless.serviceDir;
    const inside = path.relative(dir, path.resolve(dir, file));
    if (path.isAbsolute(file) || inside.startsWith('..') || path.isAbsolute(inside)) {
      throw new this.serverless.classes.Error(
        `The workflow file cannot be deployed: ${file} is outside this service directory (${dir}), ` +
          'so it cannot be bundled with the functions. Copy it here and pass its relative path, ' +
          'for example --param="workflows=workflows.yml".',
      );
    }
    const bin = path.join(__dirname, '..', 'bin', 'overdue.js');
    try {
      const out = execFileSync(process.execPath, [bin, 'validate', '--config', file], {
        cwd: this.serverless.serviceDir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      this.serverless.cli.log(`overdue: ${out.trim().split('\n')[0]}`);
    } catch (error) {
      const message = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim() || String(error);
      throw new this.serverless.classes.Error(`The workflow file cannot be deployed:\n${message}`);
    }
  }

  /**
   * The stack's CloudWatch dashboard, generated from the workflow file by `overdue dashboard`: a row
   * per workflow and one for the monitor itself (docs/behaviour.md). Fn::Sub fills in the region and
   * the function names at deploy time.
   */
  addDashboard() {
    const file = this.serverless.service.provider.environment?.WORKFLOWS_FILE ?? 'workflows.yml';
    const namespace = this.serverless.service.custom?.metricsNamespace ?? 'overdue';
    const bin = path.join(__dirname, '..', 'bin', 'overdue.js');
    const body = execFileSync(
      process.execPath,
      [bin, 'dashboard', '--config', file, '--namespace', namespace],
      { cwd: this.serverless.serviceDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    ).trim();
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    template.Resources.OverdueDashboard = {
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: {
        DashboardName: `${this.serverless.service.service}-${this.serverless.getProvider('aws').getStage()}`,
        DashboardBody: { 'Fn::Sub': body },
      },
    };
  }

  /**
   * The `subscriptions` parameter: each { protocol, endpoint, filter } becomes a subscription of the
   * alert topic with its filter policy (and, for a Lambda function, the permission SNS needs).
   */
  addSubscriptions() {
    const raw = this.serverless.service.custom?.alertSubscriptions ?? '[]';
    let list;
    try {
      list = typeof raw === 'string' ? JSON.parse(raw) : raw;
    } catch (error) {
      throw new this.serverless.classes.Error(`The subscriptions parameter is not JSON: ${error.message}`);
    }
    const protocols = ['email', 'email-json', 'https', 'sqs', 'lambda'];
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    (Array.isArray(list) ? list : [list]).forEach((s, n) => {
      if (!s || !protocols.includes(s.protocol) || typeof s.endpoint !== 'string' || s.endpoint === '') {
        throw new this.serverless.classes.Error(
          `subscriptions[${n}]: expected { "protocol": one of ${protocols.join(', ')}, "endpoint": "…", "filter"?: {…} }`,
        );
      }
      template.Resources[`AlertSubscription${n}`] = {
        Type: 'AWS::SNS::Subscription',
        Properties: {
          TopicArn: { Ref: 'AlertTopic' },
          Protocol: s.protocol,
          Endpoint: s.endpoint,
          ...(s.filter ? { FilterPolicy: s.filter, FilterPolicyScope: 'MessageAttributes' } : {}),
        },
      };
      if (s.protocol === 'lambda') {
        template.Resources[`AlertSubscription${n}Permission`] = {
          Type: 'AWS::Lambda::Permission',
          Properties: {
            Action: 'lambda:InvokeFunction',
            FunctionName: s.endpoint,
            Principal: 'sns.amazonaws.com',
            SourceArn: { Ref: 'AlertTopic' },
          },
        };
      }
    });
  }

  dropUnusedSharedRole() {
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    const { [SHARED_ROLE]: shared, ...others } = template.Resources;
    if (!shared) return;
    const used = JSON.stringify({ ...template, Resources: others }).includes(`"${SHARED_ROLE}"`);
    if (!used) delete template.Resources[SHARED_ROLE];
  }
}

module.exports = OverduePackaging;
