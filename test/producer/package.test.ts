import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve('.');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** A service's project that depends on overdue, as npm would install it (a link to this package). */
function consumerProject(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'overdue-consumer-'));
  mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
  mkdirSync(join(dir, 'node_modules', '@middy'), { recursive: true });
  symlinkSync(ROOT, join(dir, 'node_modules', 'overdue'));
  symlinkSync(join(ROOT, 'node_modules', '@middy', 'core'), join(dir, 'node_modules', '@middy', 'core'));
  symlinkSync(
    join(ROOT, 'node_modules', '@types', 'aws-lambda'),
    join(dir, 'node_modules', '@types', 'aws-lambda'),
  );
  symlinkSync(join(ROOT, 'node_modules', '@types', 'node'), join(dir, 'node_modules', '@types', 'node'));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'payments', type: 'module', private: true }),
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
      },
      files: ['handler.ts'],
    }),
  );
  writeFileSync(join(dir, 'handler.ts'), source);
  return dir;
}

const typecheck = (dir: string) =>
  run(process.execPath, [TSC, '-p', dir], { cwd: dir }).then(
    () => '',
    (error: { stdout: string }) => error.stdout,
  );

const HANDLER = `
import middy from '@middy/core';
import type { SQSEvent } from 'aws-lambda';
import { createEmitter, fromSqsRecord, trackStep, type FlushResult } from 'overdue/producer';

const emitter = createEmitter({ streamName: 'telemetry' });
export const handler = middy(async (_event: SQSEvent) => {}).use(
  trackStep<SQSEvent>({
    workflow: 'order-fulfilment',
    step: 'payment.authorized',
    correlationId: (event) => event.Records.map((r) => fromSqsRecord(r) ?? r.messageId),
    emitter,
  }),
);
export const flushed: Promise<FlushResult> = emitter.flush();
`;

beforeAll(async () => {
  // What npm runs on install (prepare): the package's JavaScript and declarations, from today's sources.
  await run('npm', ['run', 'build'], { cwd: ROOT });
}, 60_000);

describe('overdue/producer as a dependency', () => {
  it('type-checks in a consumer project under strict settings', async () => {
    expect(await typecheck(consumerProject(HANDLER))).toBe('');
  }, 60_000);

  it('is typed, not any: a wrong option is a compile error', async () => {
    const wrong = HANDLER.replace("step: 'payment.authorized'", 'step: 42');
    expect(await typecheck(consumerProject(wrong))).toMatch(
      /handler\.ts\(\d+,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/,
    );
  }, 60_000);

  it('runs from the built package', async () => {
    const dir = consumerProject(HANDLER);
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const p = await import('overdue/producer'); console.log(Object.keys(p).sort().join(','))",
      ],
      { cwd: dir },
    );
    expect(stdout.trim().split(',')).toEqual(
      expect.arrayContaining(['createEmitter', 'trackStep', 'fromSqsRecord', 'toMessageAttributes']),
    );
  }, 60_000);
});
