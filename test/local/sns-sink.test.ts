import { SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { SnsPublisher } from '../../src/alerts/sns-publisher.js';
import type { Alert } from '../../src/engine/alert.js';
import { type SnsMessage, SnsSink } from '../../src/local/sns-sink.js';

const alert = (n: number): Alert => ({
  alertId: `a${n}`,
  kind: 'workflow_failed',
  workflow: 'order',
  correlationId: `o-${n} & <friends>`,
  step: 'declined',
  severity: 'critical',
  status: 'failed',
  deadline: null,
  detectedAt: '2026-11-26T10:00:00.000Z',
  lateByMs: 0,
  missing: [],
  timeline: [],
  traceIds: [],
});

describe('SnsSink, the local SNS endpoint', () => {
  it('takes Publish and PublishBatch from the real publisher and SDK client', async () => {
    const received: SnsMessage[] = [];
    const sink = new SnsSink((m) => received.push(m));
    const endpoint = await sink.start();
    try {
      const client = new SNSClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      });
      const publisher = new SnsPublisher(client, 'arn:aws:sns:us-east-1:000000000000:overdue-local');
      const one = await publisher.publish([alert(1)]);
      const three = await publisher.publish([alert(2), alert(3), alert(4)]);
      expect([...one.published]).toEqual(['a1']);
      expect([...three.published].sort()).toEqual(['a2', 'a3', 'a4']);
      expect(received.map((m) => JSON.parse(m.message))).toEqual([alert(1), alert(2), alert(3), alert(4)]);
      expect(received[0]).toMatchObject({
        topicArn: 'arn:aws:sns:us-east-1:000000000000:overdue-local',
        subject: '[critical] workflow_failed order o-1 & <friends> declined',
        attributes: { kind: 'workflow_failed', workflow: 'order', severity: 'critical' },
      });
      client.destroy();
    } finally {
      await sink.stop();
    }
  });
});
