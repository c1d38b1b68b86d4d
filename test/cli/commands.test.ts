import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'overdue-cli-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const EXAMPLE = ['--config', 'examples/workflows.yml', '--events', 'examples/events.ndjson'];

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the command line', () => {
  it('has --version, help with examples for every command, and errors on stderr', async () => {
    const version = await cli(['--version']);
    expect(version).toMatchObject({ code: 0, stderr: '' });
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    for (const command of ['validate', 'replay', 'schema', 'dev', 'send', 'trace']) {
      const help = await cli([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: overdue ${command}`);
      expect(help.stdout).toContain('Example');
    }
    expect((await cli(['quarantine', 'list', '--help'])).stdout).toContain('--since <duration>');
    const top = await cli([]);
    expect(top.stdout).toContain('Exit codes: 0 ok, 1 invalid workflow file');
  });

  it('suggests what was meant for a misspelt command or flag, with exit code 2', async () => {
    expect(await cli(['vaidate'])).toMatchObject({
      code: 2,
      stdout: '',
      stderr: "overdue: unknown command 'vaidate'\n(Did you mean validate?)\n",
    });
    const flag = await cli(['replay', '--confg', 'examples/workflows.yml']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('(Did you mean --config?)');
  });

  it('validate --json gives the problems or the summary as data', async () => {
    const bad = await cli(['validate', '--config', 'test/fixtures/typo-after.yml', '--json']);
    expect(bad.code).toBe(1);
    const doc = JSON.parse(bad.stdout);
    expect(doc).toMatchObject({ valid: false, problems: [{ line: 9, column: 36 }] });
    expect(doc.problems[0].path).toBe('workflows.order.steps.inventory.reserved.after');
    const good = JSON.parse((await cli(['validate', '--config', 'examples/workflows.yml', '--json'])).stdout);
    expect(good.valid).toBe(true);
    expect(good.workflows.map((w: { name: string }) => w.name)).toEqual([
      'order-fulfilment',
      'user-signup',
      'refund',
    ]);
  });

  it('validate --strict warns about settings that cannot do what they say', async () => {
    const loopy = file(
      'strict.yml',
      `version: 1
workflows:
  w:
    start: a
    deadline: 10m
    steps:
      b: { within: 20m }
      c: { optional: true, within: 1m }
      e: { count: { from: d, attribute: n } }
      d: { after: e }
`,
    );
    expect((await cli(['validate', '--config', loopy])).code).toBe(0); // valid: warnings only with --strict
    const strict = await cli(['validate', '--config', loopy, '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('workflows.w.steps.b.within: within 20m is longer than the workflow');
    expect(strict.stderr).toContain('workflows.w.steps.c.within: an optional step is never alerted');
    expect(strict.stderr).toContain(
      'workflows.w.steps.e.count.from: count.from names d, which comes after e',
    );
  });

  it('says a swapped --config and --events file looks like NDJSON, in one line', async () => {
    const swapped = await cli([
      'replay',
      '--config',
      'examples/events.ndjson',
      '--events',
      'examples/workflows.yml',
    ]);
    expect(swapped.code).toBe(1);
    expect(swapped.stderr.trim().split('\n')).toHaveLength(2);
    expect(swapped.stderr).toContain(
      'looks like NDJSON telemetry events, not a workflow file: were --config and --events swapped?',
    );
  });

  it('stops listing a broken file’s problems after 20', async () => {
    const steps = Array.from({ length: 40 }, (_, i) => `      s${i}: { within: ${i} minutes }`).join('\n');
    const path = file(
      'many.yml',
      `version: 1\nworkflows:\n  w:\n    start: a\n    deadline: 1m\n    steps:\n${steps}\n`,
    );
    const result = await cli(['validate', '--config', path]);
    expect(result.stderr).toContain(': 40 problems');
    expect(result.stderr).toContain('… and 20 more (validate --json lists them all)');
    expect(result.stderr.trim().split('\n')).toHaveLength(22);
  });

  it('names a duplicate YAML key in full', async () => {
    const path = file(
      'dup.yml',
      'version: 1\nworkflows:\n  w:\n    start: a\n    deadline: 1m\n    steps:\n      virus.scanned: {}\n      virus.scanned: {}\n',
    );
    expect((await cli(['validate', '--config', path])).stderr).toContain('duplicate key "virus.scanned"');
  });

  it('reports structural and cross-reference problems in one pass', async () => {
    const path = file(
      'two.yml',
      'version: 1\nworkflows:\n  w:\n    start: a\n    deadline: 1m\n    steps:\n      b: { within: 2 minutes }\n      c: { after: bb, within: 1m }\n',
    );
    const { stderr } = await cli(['validate', '--config', path]);
    expect(stderr).toContain('2 problems');
    expect(stderr).toContain('steps.b.within: "2 minutes" is not a duration');
    expect(stderr).toContain('steps.c.after: unknown step "bb" in after. Did you mean "b"?');
  });

  it('replay exits 2 and says so when no line is a valid event', async () => {
    const path = file('junk.ndjson', 'hello\n{"a":1}\n');
    const result = await cli(['replay', '--config', 'examples/workflows.yml', '--events', path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/none of the 2 lines of .* is a valid event \(not_json, bad_shape\)/);
  });

  it('replay --fail-on makes a recorded scenario a CI check', async () => {
    const failing = await cli(['replay', ...EXAMPLE, '--drain', '--fail-on', 'workflow_failed']);
    expect(failing.code).toBe(4);
    expect(failing.stderr).toMatch(/^overdue: \d+ alerts? of --fail-on workflow_failed raised\n$/);
    expect((await cli(['replay', ...EXAMPLE, '--drain', '--fail-on', 'monitor_lagging'])).code).toBe(0);
    expect((await cli(['replay', ...EXAMPLE, '--drain', '--fail-on', 'any', '--json'])).code).toBe(4);
  });

  it('refuses --sweep-every 0s', async () => {
    const result = await cli(['dev', '--sweep-every', '0s']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--sweep-every: "0s" is not a duration above zero');
  });

  it('send without a region says so on stderr with exit code 2', async () => {
    vi.stubEnv('AWS_REGION', undefined);
    vi.stubEnv('AWS_DEFAULT_REGION', undefined);
    vi.stubEnv('AWS_PROFILE', 'overdue-test-no-such-profile');
    vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'no-config'));
    const result = await cli(['send', '--events', 'examples/events.ndjson']);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe(
      'overdue: no AWS region: set AWS_REGION (overdue dev prints the variables to set)\n',
    );
  });

  it('the human replay report summarises: counts per kind and step, the first few of each', async () => {
    const report = (await cli(['replay', ...EXAMPLE, '--drain'])).stdout;
    expect(report).toMatch(/^ {2}step_overdue \(\d+\) {2}by step: /m);
    const all = (await cli(['replay', ...EXAMPLE, '--drain', '--all'])).stdout;
    expect(all.length).toBeGreaterThanOrEqual(report.length);
    expect(all).not.toContain('… and');
  });

  it('the JSON Schema gives editors a readable message for a bad duration', async () => {
    const schema = (await cli(['schema'])).stdout;
    expect(schema).toContain('"patternErrorMessage": "Not a duration: write 500ms, 30s, 15m, 2h, 7d');
  });
});
