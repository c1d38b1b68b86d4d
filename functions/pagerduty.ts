import { Logger } from '@aws-lambda-powertools/logger';
import { SSMClient } from '@aws-sdk/client-ssm';
import { httpHandler } from '../src/aws/clients.js';
import { powertoolsLog } from '../src/aws/powertools.js';
import { receiverHandler } from '../src/aws/receivers.js';

// The secret's SSM parameter name comes from the deployment; the secret itself never does.
const parameter = process.env.SECRET_PARAMETER;
if (!parameter) throw new Error('SECRET_PARAMETER is not set: the SSM parameter holding the secret');

export const handler = receiverHandler({
  kind: 'pagerduty',
  ssm: new SSMClient({ requestHandler: httpHandler() }),
  parameter,
  ...(process.env.PAGERDUTY_URL ? { pagerDutyUrl: process.env.PAGERDUTY_URL } : {}),
  logger: powertoolsLog(new Logger({ serviceName: 'overdue-pagerduty' })),
});
