import { PublishBatchCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { alertMessage, alertSubject, describeAlert, MAX_SUBJECT } from '../../src/alerts/format.js';
import { SnsPublisher } from '../../src/alerts/sns-publisher.js';
import { traceLinker } from '../../src/alerts/trace-links.js';
import type { Alert } from '../../src/engine/alert.js';

const sns = mockClient(SNSClient);
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:alerts';

function alert(n: number, more: Partial<Alert> = {}): Alert {
  return {
    alertId: `a${String(n).padStart(31, '0')}`,
    kind: 'step_overdue',
    workflow: 'order-fulfilment',
    correlationId: `o-${n}`,
    step: 'payment.authorized',
    severity: 'high',
    status: 'running',
    deadline: '2026-11-26T10:02:00.000Z',
    detectedAt: '2026-11-26T10:02:30.000Z',
    lateByMs: 30_000,
    missing: ['payment.authorized'],
    timeline: [{ step: 'order.placed', status: 'succeeded', time: '2026-11-26T10:00:00.000Z' }],
    traceIds: [],
    ...more,
  };
}

beforeEach(() => sns.reset());

describe('alert subject and message', () => {
  it('says what, where and how late on one short line', () => {
    expect(alertSubject(alert(1))).toBe(
      '[high] step_overdue order-fulfilment o-1 payment.authorized (30s late)',
    );
  });

  it('calls a counted step with some but not all of its events missing, not done', () => {
    const partly = alert(1, {
      step: 'item.picked',
      missing: ['item.picked'],
      lateByMs: 2_000,
      timeline: [{ step: 'item.picked', status: 'succeeded', time: '2026-11-26T10:00:01.000Z' }],
    });
    expect(describeAlert(partly)).toContain('item.picked  missing, 2s past its deadline');
    expect(describeAlert({ ...partly, missing: [] })).toContain('item.picked  done 2s late');
  });

  it('stays under 100 printable ASCII characters whatever the IDs hold', () => {
    const subject = alertSubject(alert(1, { correlationId: `ordér-\n${'x'.repeat(200)}` }));
    expect(subject.length).toBeLessThanOrEqual(MAX_SUBJECT);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject.endsWith('...')).toBe(true);
  });

  it('trims an oversized timeline from the middle and says how much it left out', () => {
    const timeline = Array.from({ length: 5000 }, (_, i) => ({
      step: `step-${i}`,
      status: 'succeeded' as const,
      time: '2026-11-26T10:00:00.000Z',
      source: 's'.repeat(100),
    }));
    const body = alertMessage(alert(1, { timeline }), 100_000);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(100_000);
    const parsed = JSON.parse(body);
    expect(parsed.timeline[0].step).toBe('step-0');
    expect(parsed.timeline.at(-1).step).toBe('step-4999');
    expect(parsed.timelineTrimmed).toBe(5000 - parsed.timeline.length);
    expect(parsed.missing).toEqual(['payment.authorized']);
  });
});

describe('SnsPublisher', () => {
  it('publishes one alert with filterable attributes', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm1' });
    const result = await new SnsPublisher(new SNSClient({}), TOPIC).publish([alert(1)]);
    expect([...result.published]).toEqual([alert(1).alertId]);
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      TopicArn: TOPIC,
      Subject: alertSubject(alert(1)),
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: 'step_overdue' },
        workflow: { DataType: 'String', StringValue: 'order-fulfilment' },
        severity: { DataType: 'String', StringValue: 'high' },
      },
    });
    expect(JSON.parse(JSON.parse(input?.Message as string).default)).toEqual(alert(1));
  });

  it('batches several alerts ten at a time and reports the entries SNS refused', async () => {
    sns.on(PublishBatchCommand).callsFake((input) => {
      const ids = input.PublishBatchRequestEntries.map((e: { Id: string }) => e.Id);
      return {
        Successful: ids.slice(1).map((Id: string) => ({ Id, MessageId: Id })),
        Failed: [{ Id: ids[0], Code: 'InternalError', Message: 'try again', SenderFault: false }],
      };
    });
    const alerts = Array.from({ length: 12 }, (_, i) => alert(i));
    const result = await new SnsPublisher(new SNSClient({}), TOPIC).publish(alerts);
    const calls = sns.commandCalls(PublishBatchCommand);
    expect(calls.map((c) => c.args[0].input.PublishBatchRequestEntries?.length)).toEqual([10, 2]);
    expect(result.published.size).toBe(10);
    expect(result.failed.map((f) => f.alertId)).toEqual([alerts[0]?.alertId, alerts[10]?.alertId]);
    expect(result.failed[0]?.error).toBe('InternalError: try again');
  });

  it('reports every alert of a call that threw as failed, and never throws', async () => {
    sns.on(PublishBatchCommand).rejects(Object.assign(new Error('denied'), { name: 'AuthorizationError' }));
    const result = await new SnsPublisher(new SNSClient({}), TOPIC).publish([alert(1), alert(2)]);
    expect(result.published.size).toBe(0);
    expect(result.failed).toEqual([
      { alertId: alert(1).alertId, error: 'AuthorizationError: denied' },
      { alertId: alert(2).alertId, error: 'AuthorizationError: denied' },
    ]);
  });

  it('sends an alert raised twice once', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm1' });
    await new SnsPublisher(new SNSClient({}), TOPIC).publish([alert(1), alert(1)]);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(0);
  });

  it('sends an alert and its resolution as two messages, told apart by their state attribute', async () => {
    sns.on(PublishBatchCommand).callsFake((input) => ({
      Successful: input.PublishBatchRequestEntries.map((e: { Id: string }) => ({
        Id: e.Id,
        MessageId: e.Id,
      })),
      Failed: [],
    }));
    const firing = alert(1);
    const resolved = alert(1, { state: 'resolved' });
    const result = await new SnsPublisher(new SNSClient({}), TOPIC).publish([firing, resolved]);
    const [call] = sns.commandCalls(PublishBatchCommand);
    const entries = call?.args[0].input.PublishBatchRequestEntries ?? [];
    expect(entries.map((e) => e.Id)).toEqual([firing.alertId, `${firing.alertId}-resolved`]);
    expect(entries.map((e) => e.MessageAttributes?.state?.StringValue)).toEqual(['firing', 'resolved']);
    expect(entries[1]?.Subject).toBe(
      '[high] RESOLVED step_overdue order-fulfilment o-1 payment.authorized (30s late)',
    );
    expect(JSON.parse(JSON.parse(entries[1]?.Message as string).default)).toMatchObject({
      alertId: firing.alertId,
      state: 'resolved',
    });
    expect([...result.published]).toEqual([firing.alertId, `${firing.alertId}-resolved`]);
    expect(describeAlert(resolved)).toContain('RESOLVED: arrived 30s after its deadline');
  });

  it('gives email subscribers text and everyone else the record, both with trace links', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    const withTrace = alert(1, { traceIds: ['1-5759e988-bd862e3fe1be46a994272793'] });
    await new SnsPublisher(new SNSClient({}), TOPIC, traceLinker({ region: 'eu-west-1' })).publish([
      withTrace,
    ]);
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.MessageStructure).toBe('json');
    const body = JSON.parse(input?.Message as string) as { default: string; email: string };
    const link =
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#xray:traces/1-5759e988-bd862e3fe1be46a994272793';
    expect(JSON.parse(body.default)).toEqual({ ...withTrace, traceLinks: [link] });
    expect(body.email).toContain(`traces:\n  ${link}`);
    expect(body.email.startsWith('o-1  payment.authorized  missing')).toBe(true);
  });
});
