// What overdue-producer costs a service: an install from its npm pack tarball (packages and disk),
// and a minimal instrumented SQS handler bundled with esbuild, AWS SDK external. Prints one JSON line.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundle, installedPackages, serviceProject } from '../test/support/service-project.js';

const project = await serviceProject();
const packages = (await installedPackages(project)).length;
const diskKiB = Number(
  execFileSync('du', ['-sk', join(project, 'node_modules')], { encoding: 'utf8' }).split('\t')[0],
);

// @middy/core is the handler's own choice, installed after the count above.
execFileSync('npm', ['install', '@middy/core@6', '--prefer-offline', '--no-audit', '--no-fund'], {
  cwd: project,
  stdio: 'ignore',
});
writeFileSync(
  join(project, 'handler.mjs'),
  `import middy from '@middy/core';
import { createEmitter, fromSqsRecord, trackBatch } from 'overdue-producer';
const emitter = createEmitter({ streamName: process.env.TELEMETRY_STREAM });
export const handler = middy(async (event) => {
  for (const record of event.Records) JSON.parse(record.body);
}).use(trackBatch({ step: 'thumbnails.generated', correlationId: (r) => fromSqsRecord(r) ?? r.messageId, emitter }));
`,
);
await bundle(project, 'handler.mjs', 'out.mjs', 'meta.json');
const meta = JSON.parse(readFileSync(join(project, 'meta.json'), 'utf8')) as {
  outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }>;
};
const output = meta.outputs['out.mjs'] as (typeof meta.outputs)[string];
const byPackage: Record<string, number> = {};
for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
  const inside = path.split('node_modules/').pop() as string;
  const name = inside
    .split('/')
    .slice(0, inside.startsWith('@') ? 2 : 1)
    .join('/');
  byPackage[name] = (byPackage[name] ?? 0) + bytesInOutput;
}
console.log(JSON.stringify({ packages, diskMiB: diskKiB / 1024, bundleBytes: output.bytes, byPackage }));
