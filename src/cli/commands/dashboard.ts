import type { Command } from 'commander';
import { CLOUDFORMATION_NAMES, dashboardBody } from '../../dashboard/dashboard.js';
import { loadWorkflowFile } from '../../workflow/load.js';
import { type ExitCode, type Io, required } from '../io.js';

interface DashboardOptions {
  config?: string;
  namespace?: string;
  region?: string;
  consumer?: string;
}

export function registerDashboard(program: Command, io: Io, done: (code: ExitCode) => void): void {
  program
    .command('dashboard')
    .description(
      "print the CloudWatch dashboard body for a workflow file (what the deployment's dashboard shows)",
    )
    .option('-c, --config <file>', 'the workflow file (required)')
    .option(
      '--namespace <name>',
      'the metrics namespace (the deployment uses overdue/<stage>)',
      'overdue/dev',
    )
    .option('--region <region>', "default: CloudFormation's AWS::Region, filled in at deploy time")
    .option('--consumer <function>', 'the consumer function name (default: a CloudFormation reference)')
    .addHelpText(
      'after',
      `
serverless.yml packages this as the stack's dashboard; with names given it can be put directly:
  $ overdue dashboard -c workflows.yml --namespace overdue/prod --region eu-west-1 \\
      --consumer overdue-prod-consumer > body.json
  $ aws cloudwatch put-dashboard --dashboard-name overdue-prod --dashboard-body file://body.json`,
    )
    .action((options: DashboardOptions) => {
      const file = required(
        options.config,
        '--config FILE is required (a workflow file, e.g. workflows.yml)',
      );
      const config = loadWorkflowFile(file);
      const body = dashboardBody(config, {
        namespace: options.namespace ?? 'overdue/dev',
        region: options.region ?? CLOUDFORMATION_NAMES.region,
        consumerFunction: options.consumer ?? CLOUDFORMATION_NAMES.consumerFunction,
      });
      io.out.write(`${JSON.stringify(body)}\n`);
      done(0);
    });
}
