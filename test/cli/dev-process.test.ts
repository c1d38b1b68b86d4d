import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';

function start(args: string[]) {
  const child = spawn(process.execPath, ['bin/overdue.js', 'dev', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c;
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('overdue dev as a process', () => {
  it('prints its endpoints, then stops everything on Ctrl-C and exits 0', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    const dev = start([
      '--no-demo',
      '--kinesis-port',
      '0',
      '--dynamodb-port',
      '0',
      '--console-port',
      String(taken),
    ]);
    for (let i = 0; i < 200 && !dev.out().includes('Ctrl-C stops everything'); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(dev.out()).toMatch(/export AWS_ENDPOINT_URL_KINESIS=http:\/\/127\.0\.0\.1:\d+/);
    // The console is served, on a free port when the one asked for is taken.
    const url = /Console {3}(http:\/\/localhost:(\d+)\/)/.exec(dev.out());
    expect(url?.[2]).toBeDefined();
    expect(Number(url?.[2])).not.toBe(taken);
    const page = await fetch(url?.[1] as string);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>overdue console</title>');
    blocker.close();
    // The alert feed's columns are labelled, the time one above all: it is event time, not the clock.
    expect(dev.out()).toContain(
      'T (UTC)   KIND                 WORKFLOW  CORRELATION ID  STEP  WHAT  [SEVERITY]',
    );
    dev.child.kill('SIGINT');
    expect(await dev.exited).toBe(0);
    expect(dev.out()).toContain('stopped: 0 alerts published.');
    expect(dev.err()).toBe('');
  }, 20_000);

  it('says which port is in use instead of crashing', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const dev = start(['--no-demo', '--kinesis-port', String(port), '--dynamodb-port', '0']);
      expect(await dev.exited).toBe(2);
      expect(dev.err()).toBe(
        `overdue: port ${port} for the Kinesis emulator is in use: pick another or free it\n`,
      );
    } finally {
      blocker.close();
    }
  }, 20_000);
});
