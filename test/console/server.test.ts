import { describe, expect, it } from 'vitest';
import type { ConsoleStore } from '../../src/console/data.js';
import { buildAssets, consoleApp, isLoopback, safeJson } from '../../src/console/server.js';
import { RemoteBindError, startConsole } from '../../src/console/start.js';
import { parseWorkflowFile } from '../../src/workflow/load.js';
import { cli } from '../cli/run-cli.js';

const config = parseWorkflowFile(
  `
version: 1
workflows:
  order:
    start: placed
    deadline: 10m
    steps:
      paid: { within: 1m, latency: { window: 1m } }
    complete: [paid]
`,
  'console.yml',
);

const NOW = Date.parse('2026-11-28T11:00:00Z');

/** The table as the console reads it, answering from fixed data and counting read units as the store does. */
function fakeStore(resolutions: string[] = []): ConsoleStore & { calls: string[] } {
  const calls: string[] = [];
  const store = {
    readUnits: 0,
    calls,
    async inFlight() {
      calls.push('inFlight');
      store.readUnits += 0.5;
      return new Map([['order', 7]]);
    },
    async outcomesSince(workflow: string, since: string) {
      calls.push(`outcomes ${workflow} ${since}`);
      return [
        { workflow, minute: '2026-11-28T10:30', counts: { completed: 4, late: 1 } },
        { workflow, minute: '2026-11-28T10:59', counts: { failed: 1 } },
      ];
    },
    async sentBetween() {
      const firing = {
        alertId: 'a1',
        kind: 'step_overdue',
        severity: 'high',
        workflow: 'order',
        correlationId: '<b>o-1</b>',
        step: 'paid',
        detectedAt: '',
        lateByMs: 5,
        missing: [],
        sentAt: '2026-11-28T10:59:00.000Z',
      };
      const resolved = (alertId: string) => ({
        ...firing,
        alertId,
        lateByMs: 0,
        state: 'resolved' as const,
        sentAt: '2026-11-28T10:59:30.000Z',
      });
      return [firing, ...resolutions.map(resolved)];
    },
    async getIncidents() {
      return { open: {}, pending: [], recent: [], version: 0 };
    },
    async latencyShares() {
      return [];
    },
    async getInstances() {
      return new Map();
    },
  };
  return store as unknown as ConsoleStore & { calls: string[] };
}

const assets = { html: '<!doctype html><title>t</title>', js: '', css: '' };
const app = (store = fakeStore(), hosts?: string[]) =>
  consoleApp({ store, config, clock: () => NOW, traceLink: () => undefined }, assets, hosts ? { hosts } : {});

describe('the console server', () => {
  it('escapes <, > and & in every JSON answer, and the value parses back unchanged', () => {
    const value = { id: '<script>alert("x")</script> & \u2028' };
    const text = safeJson(value);
    expect(text).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('counts the board from the outcome counters, the index and the sent messages, and says what it read', async () => {
    const res = await app().request('/api/board');
    expect(res.status).toBe(200);
    const board = await res.json();
    expect(board.workflows[0]).toMatchObject({
      name: 'order',
      inFlight: 7,
      outcomes: { completed: 4, late: 1, failed: 1 },
      alertsLastHour: 1,
      openAlerts: 1,
      alertsByKind: { step_overdue: 1 },
    });
    expect(board.workflows[0].perMinute).toHaveLength(60);
    // Sixty minutes up to the current one (11:00): 10:30 is slot 29, 10:59 the one before last.
    expect(board.workflows[0].perMinute[29]).toBe(4);
    expect(board.workflows[0].perMinute.at(-2)).toBe(1);
    expect(board.workflows[0].latency[0]).toMatchObject({ step: 'paid', windowMs: 60_000 });
    expect(board.readUnits).toBe(0.5);
  });

  it('an alert whose resolution was sent is no longer open, and the resolution is not an alert', async () => {
    const board = await (await app(fakeStore(['a1'])).request('/api/board')).json();
    expect(board.workflows[0]).toMatchObject({ alertsLastHour: 1, openAlerts: 0 });
  });

  it('reads the table once per refresh, however many pages ask', async () => {
    const store = fakeStore();
    const server = app(store);
    await Promise.all([
      server.request('/api/board'),
      server.request('/api/board'),
      server.request('/api/board'),
    ]);
    expect(store.calls.filter((c) => c === 'inFlight')).toHaveLength(1);
  });

  it('sets a strict CSP and nosniff on every answer, a 404 with a reason included', async () => {
    const res = await app().request('/api/step/order/nope');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'no such workflow and step in the workflow file' });
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await app().request('/api/instance/o-404')).status).toBe(404);
  });

  it('answers only to the host names it serves', async () => {
    const server = app(fakeStore(), ['localhost', '127.0.0.1']);
    expect((await server.request('http://localhost/api/board')).status).toBe(200);
    expect((await server.request('http://rebound.example/api/board')).status).toBe(403);
  });

  it('filters alerts by workflow, kind and severity', async () => {
    const pick = async (q: string) => (await (await app().request(`/api/alerts?${q}`)).json()).total;
    expect(await pick('')).toBe(1);
    expect(await pick('kind=step_overdue&severity=high&workflow=order')).toBe(1);
    expect(await pick('kind=workflow_failed')).toBe(0);
    expect(await pick('severity=low')).toBe(0);
  });

  it('builds its page with esbuild: one script, uPlot inside, no inline script in the shell', async () => {
    const built = await buildAssets();
    expect(built.js.length).toBeGreaterThan(10_000);
    expect(built.css).toContain('.uplot');
    expect(built.html).toContain('<script src="/app.js"></script>');
    expect(built.html).not.toMatch(/<script>(?!<)/);
  });
});

describe('binding', () => {
  it('knows loopback addresses from the rest', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopback(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) expect(isLoopback(h)).toBe(false);
  });

  it('refuses a non-loopback address unless asked, and serves when asked', async () => {
    const options = { store: fakeStore(), config, traceLink: () => undefined, port: 0 };
    await expect(startConsole({ ...options, host: '0.0.0.0' })).rejects.toBeInstanceOf(RemoteBindError);
    const server = await startConsole({ ...options, host: '0.0.0.0', allowRemote: true });
    try {
      const res = await fetch(new URL('/api/board', server.url.replace('0.0.0.0', '127.0.0.1')));
      expect(res.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('overdue console --host 0.0.0.0 is a usage error in one line, no stack trace', async () => {
    const run = await cli([
      'console',
      '--host',
      '0.0.0.0',
      '--config',
      'examples/workflows.yml',
      '--table',
      't',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^overdue: --host 0\.0\.0\.0 would serve the console beyond this machine.*--allow-remote/,
    );
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    try {
      const unreachable = await cli(['console', '--config', 'examples/workflows.yml', '--port', '0']);
      expect(unreachable.code).toBe(2);
      expect(unreachable.stderr).toMatch(/^overdue: cannot reach DynamoDB: is `overdue dev` running/);
    } finally {
      process.env = saved;
    }
    const port = await cli(['console', '--port', 'eighty', '--config', 'examples/workflows.yml']);
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/--port: "eighty" is not a port number/);
  });
});
