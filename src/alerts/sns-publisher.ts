import { PublishBatchCommand, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { batches } from '../../packages/producer/src/batches.js';
import { type Alert, messageKey } from '../engine/alert.js';
import type { AlertPublisher, PublishResult } from '../runtime/ports.js';
import { alertAttributes, alertEmail, alertMessage, alertSubject, MAX_MESSAGE_BYTES } from './format.js';
import type { TraceLinker } from './trace-links.js';

/** Room the plain-text email body takes beside the JSON record, within SNS's message limit. */
const EMAIL_BYTES = 20_000;

/** PublishBatch takes at most 10 entries and 256 KiB in all. */
const BATCH_ENTRIES = 10;
const BATCH_BYTES = 256 * 1024;

/** Publishes alert records to the topic (contract §4). A failure is reported per alert, never thrown. */
export class SnsPublisher implements AlertPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
    /** Trace links for the record and the email (X-Ray console, or a template). */
    private readonly traceLink: TraceLinker = () => undefined,
  ) {}

  /**
   * One message per protocol (MessageStructure json): email subscribers read plain text, every
   * other protocol (SQS, Lambda, HTTPS, email-json) gets the JSON record, with its trace links.
   */
  private body(alert: Alert): string {
    const links = alert.traceIds.flatMap((id) => this.traceLink(id) ?? []);
    const record = links.length > 0 ? { ...alert, traceLinks: links } : alert;
    let email = alertEmail(alert, links);
    if (Buffer.byteLength(email) > EMAIL_BYTES) email = `${email.slice(0, EMAIL_BYTES / 4)}\n…`;
    // The record is a string inside the structure: its quotes and escapes grow when encoded again,
    // so it is trimmed until the whole message fits.
    for (let budget = MAX_MESSAGE_BYTES - EMAIL_BYTES; ; budget = Math.floor(budget * 0.8)) {
      const body = JSON.stringify({ default: alertMessage(record as Alert, budget), email });
      if (Buffer.byteLength(body) <= MAX_MESSAGE_BYTES || budget < 1000) return body;
    }
  }

  async publish(alerts: readonly Alert[]): Promise<PublishResult> {
    const published = new Set<string>();
    const failed: { alertId: string; error: string }[] = [];
    // An alert raised twice (a retry after a conflict) is sent once.
    const unique = [...new Map(alerts.map((a) => [messageKey(a), a])).values()];
    const entries = unique.map((alert) => ({
      Id: messageKey(alert),
      Subject: alertSubject(alert),
      Message: this.body(alert),
      MessageStructure: 'json',
      MessageAttributes: alertAttributes(alert),
    }));
    // Attributes add well under 1 KB an entry.
    const size = (e: (typeof entries)[number]) => Buffer.byteLength(e.Message) + e.Subject.length + 1024;
    for (const batch of batches(entries, BATCH_ENTRIES, BATCH_BYTES, size)) {
      try {
        if (batch.length === 1) {
          const { Id, ...entry } = batch[0] as (typeof batch)[number];
          await this.client.send(new PublishCommand({ TopicArn: this.topicArn, ...entry }));
          published.add(Id);
          continue;
        }
        const out = await this.client.send(
          new PublishBatchCommand({ TopicArn: this.topicArn, PublishBatchRequestEntries: batch }),
        );
        for (const s of out.Successful ?? []) if (s.Id) published.add(s.Id);
        for (const f of out.Failed ?? []) {
          if (f.Id) failed.push({ alertId: f.Id, error: `${f.Code}: ${f.Message ?? ''}`.trim() });
        }
      } catch (error) {
        const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        for (const entry of batch)
          if (!published.has(entry.Id)) failed.push({ alertId: entry.Id, error: text });
      }
    }
    return { published, failed };
  }
}
