import { existsSync } from 'node:fs';

/** Debian's Chromium, which scripts/ensure-chromium.sh installs; never a downloaded browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can (said plainly, never silently). */
export function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  return `no Chromium at ${CHROMIUM}: run scripts/ensure-chromium.sh (apt-get install chromium) or set CHROMIUM_PATH`;
}

/** The flags a sandboxed, offline machine needs (docs: no background networking, no first-run). */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];
