import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DevMode, startDev } from '../../src/local/dev.js';

/** Dev mode on free ports with a workflow file of the test's own, sweeping fast, no demo. */
export async function startTestDev(
  workflowsYaml: string,
  print: (text: string) => void = () => {},
  alertsFile?: string,
): Promise<DevMode> {
  const dir = mkdtempSync(join(tmpdir(), 'overdue-dev-'));
  writeFileSync(join(dir, 'workflows.yml'), workflowsYaml);
  return startDev({
    configFile: join(dir, 'workflows.yml'),
    demo: false,
    kinesisPort: 0,
    dynamodbPort: 0,
    snsPort: 0,
    sweepEveryMs: 200,
    pollEveryMs: 50,
    print,
    color: false,
    alertsFile,
  });
}

/** Waits until `check` holds or `ms` pass. */
export async function until(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
}
