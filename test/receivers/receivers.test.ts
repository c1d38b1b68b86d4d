import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { receiverHandler } from '../../src/aws/receivers.js';
import type { Alert } from '../../src/engine/alert.js';
import { DeliveryError, deliver } from '../../src/receivers/deliver.js';

/** A stand-in for a vendor's API: answers each request with the next of `answers`, records bodies. */
async function vendor(answers: { status: number; headers?: Record<string, string>; body?: string }[]) {
  const received: { path: string; body: unknown }[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString() || 'null') });
      const answer = answers.shift() ?? { status: 202 };
      res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? '{"status":"success"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

const ssm = mockClient(SSMClient);
const quiet = { info() {}, warn() {}, error() {} };
const noWait = { sleep: async () => {}, baseMs: 1 };

const alert = (more: Partial<Alert> = {}): Alert & { traceLinks?: string[] } => ({
  alertId: 'a'.repeat(32),
  kind: 'step_overdue',
  workflow: 'order-fulfilment',
  correlationId: 'o-17',
  step: 'payment.authorized',
  severity: 'high',
  status: 'running',
  deadline: '2026-11-26T10:02:00.000Z',
  detectedAt: '2026-11-26T10:02:30.000Z',
  lateByMs: 30_000,
  missing: ['payment.authorized', 'shipment.created'],
  timeline: [
    { step: 'order.placed', status: 'succeeded', time: '2026-11-26T10:00:00.000Z', source: 'checkout' },
  ],
  traceIds: ['1-5759e988-bd862e3fe1be46a994272793'],
  traceLinks: [
    'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#xray:traces/1-5759e988-bd862e3fe1be46a994272793',
  ],
  ...more,
});
const snsEvent = (...alerts: Alert[]): SNSEvent =>
  ({ Records: alerts.map((a) => ({ Sns: { Message: JSON.stringify(a) } })) }) as unknown as SNSEvent;

describe('the PagerDuty receiver (Events API v2)', () => {
  it('triggers and resolves one PagerDuty incident per alertId, retrying a rate limit', async () => {
    const pd = await vendor([
      { status: 429, headers: { 'retry-after': '0' } },
      { status: 202 },
      { status: 202 },
    ]);
    ssm.reset();
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'routing-key-1' } });
    const handler = receiverHandler({
      kind: 'pagerduty',
      ssm: new SSMClient({}),
      parameter: '/overdue/pagerduty',
      pagerDutyUrl: `${pd.url}/v2/enqueue`,
      delivery: noWait,
      logger: quiet,
    });
    await handler(snsEvent(alert()));
    await handler(snsEvent(alert({ state: 'resolved' })));
    expect(pd.received.map((r) => (r.body as { event_action: string }).event_action)).toEqual([
      'trigger',
      'trigger',
      'resolve',
    ]);
    const [, trigger, resolve] = pd.received.map((r) => r.body as Record<string, unknown>);
    expect(trigger).toMatchObject({
      routing_key: 'routing-key-1',
      dedup_key: 'a'.repeat(32),
      payload: {
        summary: '[high] step_overdue order-fulfilment o-17 payment.authorized (30s late)',
        source: 'overdue/order-fulfilment',
        severity: 'error',
        class: 'step_overdue',
        custom_details: { missing: ['payment.authorized', 'shipment.created'] },
      },
      links: [{ text: 'trace' }],
    });
    expect((resolve as { dedup_key: string }).dedup_key).toBe('a'.repeat(32));
    // The routing key is read from SSM once per container.
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({
      Name: '/overdue/pagerduty',
      WithDecryption: true,
    });
  });

  it('fails the invocation (for Lambda to retry, then the failure queue) when PagerDuty refuses or stays down', async () => {
    const refusing = await vendor([{ status: 400, body: '{"message":"Invalid routing key"}' }]);
    await expect(deliver(refusing.url, {}, noWait)).rejects.toThrow(
      'refused with 400: {"message":"Invalid routing key"}',
    );
    expect(refusing.received).toHaveLength(1); // not retried: no retry mends it
    const down = await vendor(Array.from({ length: 5 }, () => ({ status: 503 })));
    const error = await deliver(down.url, {}, noWait).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).status).toBe(503);
    expect(down.received).toHaveLength(5);
  });
});

describe('the Slack receiver (incoming webhook)', () => {
  it('posts a readable message to the webhook URL read from SSM, retrying a server error', async () => {
    const slack = await vendor([{ status: 500 }, { status: 200, body: 'ok' }]);
    ssm.reset();
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: `${slack.url}/services/T0/B0/x` } });
    const handler = receiverHandler({
      kind: 'slack',
      ssm: new SSMClient({}),
      parameter: '/overdue/slack',
      delivery: noWait,
      logger: quiet,
    });
    await handler(snsEvent(alert({ correlationId: 'o-<17>' })));
    expect(slack.received.map((r) => r.path)).toEqual(['/services/T0/B0/x', '/services/T0/B0/x']);
    const message = slack.received[1]?.body as {
      text: string;
      blocks: { type: string; text?: { text: string }; elements?: { text: string }[] }[];
    };
    expect(message.text).toBe('[high] step_overdue order-fulfilment o-<17> payment.authorized (30s late)');
    expect(message.blocks[0]?.text?.text).toContain(
      '*o-&lt;17&gt;  payment.authorized  missing, 30s past its deadline',
    );
    expect(message.blocks[0]?.text?.text).toContain('Missing: `payment.authorized`, `shipment.created`');
    expect(message.blocks[1]?.text?.text).toContain('10:00:00.000  order.placed  succeeded  checkout');
    expect(message.blocks[2]?.elements?.[0]?.text).toMatch(
      /^<https:\/\/eu-west-1\.console\.aws\.amazon\.com\/.*\|trace 1> · alertId a+ · high$/,
    );
  });

  it('reads the secret again after SSM failed, and fails the invocation meanwhile', async () => {
    ssm.reset();
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(new Error('throttled'))
      .resolves({ Parameter: { Value: 'http://127.0.0.1:9/x' } });
    const handler = receiverHandler({
      kind: 'slack',
      ssm: new SSMClient({}),
      parameter: '/overdue/slack',
      delivery: { ...noWait, attempts: 1 },
      logger: quiet,
    });
    await expect(handler(snsEvent(alert()))).rejects.toThrow('throttled');
    await expect(handler(snsEvent(alert()))).rejects.toThrow(DeliveryError);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });
});
