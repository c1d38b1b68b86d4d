// What overdue-producer costs a service: an install from its npm pack tarball (packages and disk),
// and a minimal instrumented SQS handler bundled with esbuild, AWS SDK external. Prints one JSON line.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve('.');
const out = mkdtempSync(join(tmpdir(), 'overdue-pack-'));
execFileSync('npm', ['pack', '-w', 'packages/producer', '--pack-destination', out], {
  cwd: ROOT,
  stdio: 'ignore',
});
const tarball = join(out, readdirSync(out).find((f) => f.endsWith('.tgz')) as string);
const project = mkdtempSync(join(tmpdir(), 'overdue-service-'));
writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'svc', private: true, type: 'module' }));
execFileSync('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], {
  cwd: project,
  stdio: 'ignore',
});
const packages = execFileSync('npm', ['ls', '--all', '--parseable'], { cwd: project, encoding: 'utf8' })
  .trim()
  .split('\n')
  .slice(1).length;
const diskKiB = Number(
  execFileSync('du', ['-sk', join(project, 'node_modules')], { encoding: 'utf8' }).split('\t')[0],
);

// @middy/core is the handler's own choice; linked from this repository rather than installed again.
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
execFileSync(
  join(ROOT, 'node_modules', '.bin', 'esbuild'),
  [
    'handler.mjs',
    '--bundle',
    '--minify',
    '--platform=node',
    '--format=esm',
    '--target=node22',
    '--external:@aws-sdk/*',
    '--outfile=out.mjs',
    '--metafile=meta.json',
  ],
  { cwd: project, stdio: 'ignore' },
);
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
