import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cli } from './run-cli.js';

const EXAMPLE = ['--config', 'examples/workflows.yml', '--events', 'examples/events.ndjson'];

describe('overdue replay', () => {
  it('prints the contract §6 document with --json, the same byte for byte on every run', async () => {
    const first = await cli(['replay', ...EXAMPLE, '--json']);
    const second = await cli(['replay', ...EXAMPLE, '--json']);
    expect(first.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    const doc = JSON.parse(first.stdout);
    expect(Object.keys(doc)).toEqual(['alerts', 'instances', 'stats', 'invalid']);
    expect(Object.keys(doc.alerts[0])).toEqual([
      'alertId',
      'kind',
      'workflow',
      'correlationId',
      'step',
      'severity',
      'status',
      'deadline',
      'detectedAt',
      'lateByMs',
      'missing',
      'timeline',
      'traceIds',
    ]);
    const kinds = new Set(doc.alerts.map((a: { kind: string }) => a.kind));
    expect([...kinds].sort()).toEqual([
      'completed_late',
      'out_of_order',
      'step_overdue',
      'workflow_failed',
      'workflow_incomplete',
      'workflow_timed_out',
    ]);
    const ids = doc.instances.map(
      (i: { workflow: string; correlationId: string }) => `${i.workflow}/${i.correlationId}`,
    );
    expect(ids).toEqual([...ids].sort());
    expect(doc.stats).toMatchObject({ invalid: 5, ignored: 2 });
    expect(doc.stats.duplicates).toBeGreaterThan(0);
  });

  it('prints a human report: alerts by workflow and kind, invalid lines, instances by status', async () => {
    const { code, stdout } = await cli(['replay', ...EXAMPLE]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^order-fulfilment\n {2}completed_late \(\d+\)\n/m);
    expect(stdout).toMatch(/^ {2}workflow_failed \(\d+\)\n {4}o-\d+ {2}payment\.declined {2}from payments/m);
    expect(stdout).toContain('Invalid lines (5)');
    expect(stdout).toMatch(
      /Instances by status\n {2}workflow +running +completed +failed +timed_out +cancelled +incomplete\n/,
    );
    expect(stdout).toMatch(/^ {2}total +\d+/m);
  });

  it('--drain moves past every deadline; --at moves observed time to a given instant', async () => {
    const drained = JSON.parse((await cli(['replay', ...EXAMPLE, '--json', '--drain'])).stdout);
    expect(drained.instances.filter((i: { status: string }) => i.status === 'running')).toEqual([]);
    const at = JSON.parse(
      (await cli(['replay', ...EXAMPLE, '--json', '--at', '2026-11-03T00:00:00Z'])).stdout,
    );
    expect(at.stats.observedTime).toBe('2026-11-03T00:00:00.000Z');
    expect(at.instances.filter((i: { status: string }) => i.status === 'running')).toEqual([]);
  });

  it('refuses bad usage with a one-line message and exit code 2', async () => {
    expect(await cli(['replay', '--config', 'examples/workflows.yml'])).toMatchObject({
      code: 2,
      stderr: 'overdue: --events FILE is required (NDJSON; - for stdin)\n',
    });
    expect((await cli(['replay', ...EXAMPLE, '--at', 'yesterday'])).stderr).toMatch(
      /^overdue: --at: time "yesterday"/,
    );
    expect((await cli(['replay', ...EXAMPLE, '--at', '2026-11-03T00:00:00Z', '--drain'])).code).toBe(2);
    expect(
      (await cli(['replay', '--config', 'examples/workflows.yml', '--events', 'nope.ndjson'])).stderr,
    ).toBe('overdue: cannot read --events nope.ndjson: file not found\n');
    expect((await cli(['replay', '--config', 'examples/workflows.yml', '--events', 'examples'])).stderr).toBe(
      'overdue: cannot read --events examples: not a file\n',
    );
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli(['validate', '--conf', 'x'])).stderr).toMatch(
      /^overdue: unknown option '--conf'\n\(Did you mean --config\?\)/,
    );
  });
});

describe('overdue validate', () => {
  it('summarises a valid file', async () => {
    const { code, stdout } = await cli(['validate', '--config', 'examples/workflows.yml']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^examples\/workflows\.yml: valid, 3 workflows\n/);
    expect(stdout).toContain('  inventory.reserved  required, within 5m of payment.authorized');
    expect(stdout).toContain('fails on payment.declined · cancelled by order.cancelled');
  });

  it('exits 1 on a typo in an after reference, naming the path, the line and the unknown step', async () => {
    const { code, stdout, stderr } = await cli(['validate', '--config', 'test/fixtures/typo-after.yml']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'test/fixtures/typo-after.yml: 1 problem\n' +
        '  test/fixtures/typo-after.yml:9:36 workflows.order.steps.inventory.reserved.after: unknown step "payment.authorised" in after. Did you mean "payment.authorized"? (known steps: order.placed, payment.authorized, inventory.reserved, shipment.created)\n',
    );
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe('overdue schema', () => {
  it('prints the JSON Schema', async () => {
    const { code, stdout } = await cli(['schema']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).title).toBe('overdue workflow file');
  });
});

describe('the overdue bin', () => {
  it('runs from a fresh clone with no build step, reading events from stdin', async () => {
    const child = execFile(process.execPath, [
      'bin/overdue.js',
      'replay',
      '--config',
      'examples/workflows.yml',
      '--events',
      '-',
      '--json',
    ]);
    const done = promisify((cb: (e: Error | null, out: string) => void) => {
      let out = '';
      child.stdout?.on('data', (c) => {
        out += c;
      });
      child.on('close', (code) => cb(code === 0 ? null : new Error(`exit ${code}`), out));
    })();
    child.stdin?.end(
      '{"eventId":"1","correlationId":"o-1","step":"order.placed","time":"2026-11-02T09:00:00Z","attributes":{"itemCount":1}}\n',
    );
    const doc = JSON.parse(await done);
    expect(doc.instances).toEqual([
      {
        workflow: 'order-fulfilment',
        correlationId: 'o-1',
        status: 'running',
        late: false,
        missing: ['payment.authorized', 'inventory.reserved', 'item.picked', 'shipment.created'],
      },
    ]);
  });
});

describe('count attributes that are not numbers', () => {
  it('are reported in the replay report and in --json, with the value seen', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'overdue-count-'));
    const events = join(dir, 'events.ndjson');
    const line = (cid: string, itemCount: unknown) =>
      JSON.stringify({
        eventId: `e-${cid}`,
        correlationId: cid,
        step: 'order.placed',
        time: '2026-11-02T09:00:00Z',
        attributes: { itemCount },
      });
    writeFileSync(events, `${line('o-arr', [1, 2])}\n${line('o-str', 'three')}\n${line('o-ok', 2)}\n`);
    const args = ['replay', '--config', 'examples/workflows.yml', '--events', events];
    const json = JSON.parse((await cli([...args, '--json'])).stdout) as {
      instances: { correlationId: string; notes?: string[] }[];
    };
    const notes = Object.fromEntries(json.instances.map((i) => [i.correlationId, i.notes]));
    expect(notes['o-arr']).toEqual([
      'item.picked: attribute itemCount of order.placed is [1,2], not a whole number; counting 1',
    ]);
    expect(notes['o-str']?.[0]).toMatch(/is "three", not a whole number; counting 1/);
    expect(notes['o-ok']).toBeUndefined();
    const human = (await cli(args)).stdout;
    expect(human).toContain('Problems in the events (2 instances)');
    expect(human).toContain(
      'order-fulfilment o-arr: item.picked: attribute itemCount of order.placed is [1,2]',
    );
  });
});
