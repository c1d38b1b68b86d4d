import { execFile } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevMode } from '../../src/local/dev.js';
import { LOCAL_NAME } from '../../src/local/dev.js';
import { instancePk } from '../../src/store/keys.js';
import { startTestDev, until } from '../local/test-dev.js';
import { bundle, installedPackages, serviceProject } from '../support/service-project.js';

const run = promisify(execFile);
const ROOT = resolve('.');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
/** The size target for a minimal instrumented handler, AWS SDK external (issue: ≤ 60 KB minified). */
const BUNDLE_LIMIT = 60 * 1024;

const HANDLER = `
import middy from '@middy/core';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { createEmitter, fromSqsRecord, trackBatch } from 'overdue-producer';

const emitter = createEmitter({ streamName: process.env.TELEMETRY_STREAM ?? 'telemetry' });

// One SQS message per thumbnail size; the step counts them.
export const handler = middy(async (event: SQSEvent) => {
  for (const record of event.Records) JSON.parse(record.body);
}).use(
  trackBatch<SQSRecord>({
    workflow: 'images',
    step: 'thumbnails.generated',
    correlationId: (record) => fromSqsRecord(record) ?? record.messageId,
    emitter,
  }),
);
`;

let project: string;

/** A service's own project: it installs the tarball `npm pack` makes, as a user would. */
beforeAll(async () => {
  project = await serviceProject(['@middy/core@6', '@types/aws-lambda@8', '@types/node@20']);
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        exactOptionalPropertyTypes: true,
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
}, 180_000);

const typecheck = async (source: string) => {
  writeFileSync(join(project, 'handler.ts'), source);
  return run(process.execPath, [TSC, '-p', project], { cwd: project }).then(
    () => '',
    (error: { stdout: string }) => error.stdout,
  );
};

describe('overdue-producer installed from its tarball', () => {
  it('installs without the monitor: only what a producer needs', async () => {
    const installed = await installedPackages(project);
    for (const unwanted of ['dynalite', 'kinesalite', 'tsx', 'yaml', 'zod', 'leveldown']) {
      expect(installed.some((p) => p.endsWith(`/node_modules/${unwanted}`))).toBe(false);
    }
    expect(installed.some((p) => p.endsWith('/node_modules/@aws-sdk/client-kinesis'))).toBe(true);
  });

  it('type-checks under strict settings, and a wrong option is a compile error', async () => {
    expect(await typecheck(HANDLER)).toBe('');
    expect(await typecheck(HANDLER.replace("step: 'thumbnails.generated'", 'step: 42'))).toMatch(
      /handler\.ts\(\d+,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/,
    );
  }, 60_000);

  it(`bundles with esbuild (AWS SDK external) to at most ${BUNDLE_LIMIT / 1024} KB minified`, async () => {
    writeFileSync(join(project, 'handler.ts'), HANDLER);
    await bundle(project, 'handler.ts', 'dist/handler.mjs');
    expect(statSync(join(project, 'dist', 'handler.mjs')).size).toBeLessThanOrEqual(BUNDLE_LIMIT);
  }, 60_000);

  describe('against overdue dev', () => {
    let dev: DevMode;
    beforeAll(async () => {
      dev = await startTestDev(`
version: 1
defaults: { grace: 300ms, retention: 1h }
workflows:
  images:
    start: image.uploaded
    deadline: 2s
    steps:
      thumbnails.generated: { count: { from: image.uploaded, attribute: sizes }, within: 1s }
    complete: [thumbnails.generated]
`);
    });
    afterAll(async () => {
      await dev?.stop();
    });

    it('a batch of 3 records of one image counts 3: the image completes and nothing is alerted', async () => {
      const script = `
import { createEmitter } from 'overdue-producer';
import { handler } from './dist/handler.mjs';
const uploads = createEmitter({ streamName: process.env.TELEMETRY_STREAM });
uploads.emit({ correlationId: 'img-1', workflow: 'images', step: 'image.uploaded', attributes: { sizes: 3 } });
const sent = await uploads.flush();
if (sent.failed.length > 0) throw new Error(JSON.stringify(sent.failed));
const record = (i) => ({
  messageId: 'm-' + i, body: '{}', eventSource: 'aws:sqs',
  messageAttributes: { correlationId: { stringValue: 'img-1', dataType: 'String' } },
});
await handler({ Records: [record(0), record(1), record(2)] }, { functionName: 'thumbnails', awsRequestId: 'r-1' });
`;
      writeFileSync(join(project, 'run.mjs'), script);
      await run(process.execPath, ['run.mjs'], {
        cwd: project,
        env: {
          ...process.env,
          AWS_ENDPOINT_URL_KINESIS: dev.endpoints.kinesis,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          TELEMETRY_STREAM: LOCAL_NAME,
        },
      });
      const key = instancePk('images', 'img-1');
      const stored = async () => (await dev.store.getInstances([key], { consistent: true })).get(key);
      let status: string | undefined;
      await until(() => {
        void stored().then((s) => {
          status = s?.instance.st;
        });
        return status === 'completed';
      }, 10_000);
      const instance = (await stored())?.instance;
      expect(instance?.st).toBe('completed');
      expect(instance?.hits?.['thumbnails.generated']).toHaveLength(3);
      await until(() => false, 2_500); // past the deadline and grace
      expect(dev.alerts).toEqual([]);
    }, 30_000);
  });
});
