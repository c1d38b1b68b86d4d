import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve('.');

/**
 * An empty service project that installs overdue-producer from the tarball `npm pack` makes, as a
 * user would, plus `extra` packages. `--prefer-offline`: they come from npm's cache where it has them.
 */
export async function serviceProject(extra: readonly string[] = []): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'overdue-pack-'));
  await run('npm', ['pack', '-w', 'packages/producer', '--pack-destination', out], { cwd: ROOT });
  const tarball = join(out, readdirSync(out).find((f) => f.endsWith('.tgz')) as string);
  const project = mkdtempSync(join(tmpdir(), 'overdue-service-'));
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'service', private: true, type: 'module' }),
  );
  await run('npm', ['install', tarball, ...extra, '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: project,
  });
  return project;
}

/** Bundles `entry` in `project` as a deployment would (esbuild, minified, AWS SDK external). */
export async function bundle(
  project: string,
  entry: string,
  outfile: string,
  metafile?: string,
): Promise<void> {
  await run(
    join(ROOT, 'node_modules', '.bin', 'esbuild'),
    [
      entry,
      '--bundle',
      '--minify',
      '--platform=node',
      '--format=esm',
      '--target=node22',
      '--external:@aws-sdk/*',
      `--outfile=${outfile}`,
      ...(metafile ? [`--metafile=${metafile}`] : []),
    ],
    { cwd: project },
  );
}

/** Packages installed in `project` (its own excluded). */
export async function installedPackages(project: string): Promise<string[]> {
  const { stdout } = await run('npm', ['ls', '--all', '--parseable'], { cwd: project });
  return stdout.trim().split('\n').slice(1);
}
