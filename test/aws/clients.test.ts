import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SnsPublisher } from '../../src/alerts/sns-publisher.js';
import { awsClients, DEFAULT_TIMEOUTS } from '../../src/aws/clients.js';
import type { Alert } from '../../src/engine/alert.js';

// An endpoint that accepts connections and never answers: a black-holed VPC endpoint, a stuck proxy.
const sockets: Socket[] = [];
const server = createServer((socket) => {
  sockets.push(socket);
});
let endpoint: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const alert = {
  alertId: 'a-1',
  kind: 'step_overdue',
  workflow: 'order',
  correlationId: 'o-1',
  step: 'paid',
  severity: 'high',
  status: 'running',
  deadline: null,
  detectedAt: '2026-11-02T09:00:00.000Z',
  lateByMs: 0,
  missing: [],
  timeline: [],
  traceIds: [],
} satisfies Alert;

describe('SDK clients', () => {
  it('have connection and request timeouts by default', () => {
    expect(DEFAULT_TIMEOUTS.connectionTimeoutMs).toBeGreaterThan(0);
    expect(DEFAULT_TIMEOUTS.requestTimeoutMs).toBeGreaterThan(0);
  });

  it('fail a publish to an endpoint that never answers, which stays pending, instead of hanging', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_SNS', endpoint);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'x');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'x');
    vi.stubEnv('AWS_MAX_ATTEMPTS', '1');
    try {
      const { sns } = awsClients({ connectionTimeoutMs: 200, requestTimeoutMs: 300 });
      const result = await new SnsPublisher(sns, 'arn:aws:sns:us-east-1:0:t').publish([alert]);
      expect(result.published.size).toBe(0);
      expect(result.failed).toHaveLength(1);
      expect(result.failed[0]?.error).toMatch(/timeout|timed out/i);
      expect(sockets.length).toBeGreaterThan(0); // it did connect: the request, not the connection, hung
      sns.destroy();
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
