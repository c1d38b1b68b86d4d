import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { SNSEvent } from 'aws-lambda';
import type { Alert } from '../engine/alert.js';
import { type DeliveryOptions, deliver } from '../receivers/deliver.js';
import { PAGERDUTY_EVENTS_URL, pagerDutyEvent } from '../receivers/pagerduty.js';
import { slackMessage } from '../receivers/slack.js';
import type { LogSink } from '../runtime/ports.js';

/**
 * The optional receivers: SNS-subscribed functions that turn alert records into PagerDuty events or
 * Slack messages. The PagerDuty routing key and the Slack webhook URL are secrets: read from SSM
 * Parameter Store (a SecureString) at the first invocation, never from the template or environment.
 */
export interface ReceiverSettings {
  kind: 'pagerduty' | 'slack';
  ssm: SSMClient;
  /** The SSM parameter holding the routing key (PagerDuty) or the webhook URL (Slack). */
  parameter: string;
  /** PagerDuty's Events API (tests and EU accounts set another). */
  pagerDutyUrl?: string;
  delivery?: DeliveryOptions;
  logger: LogSink;
}

export function receiverHandler(settings: ReceiverSettings) {
  let secret: Promise<string> | undefined;
  const read = () => {
    secret ??= settings.ssm
      .send(new GetParameterCommand({ Name: settings.parameter, WithDecryption: true }))
      .then((out) => {
        const value = out.Parameter?.Value;
        if (!value) throw new Error(`SSM parameter ${settings.parameter} has no value`);
        return value;
      })
      .catch((error) => {
        secret = undefined; // read again next time
        throw error;
      });
    return secret;
  };
  return async (event: SNSEvent): Promise<void> => {
    const value = await read();
    for (const record of event.Records) {
      const alert = JSON.parse(record.Sns.Message) as Alert & { traceLinks?: string[] };
      const [url, body] =
        settings.kind === 'pagerduty'
          ? [settings.pagerDutyUrl ?? PAGERDUTY_EVENTS_URL, pagerDutyEvent(alert, value)]
          : [value, slackMessage(alert)];
      // A failure throws: Lambda retries the invocation, then hands it to the failure queue.
      const status = await deliver(url, body, settings.delivery);
      settings.logger.info('alert delivered', {
        receiver: settings.kind,
        alertId: alert.alertId,
        kind: alert.kind,
        state: alert.state ?? 'firing',
        status,
      });
    }
  };
}
