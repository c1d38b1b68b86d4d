import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { TraceLinker } from '../alerts/trace-links.js';
import type { WorkflowConfig } from '../workflow/model.js';
import type { ConsoleStore } from './data.js';
import { buildAssets, consoleApp, isLoopback, LOOPBACK_NAMES } from './server.js';

export interface ConsoleServer {
  url: string;
  close(): Promise<void>;
}

/** Thrown for a bind address off this machine without `allowRemote`. */
export class RemoteBindError extends Error {
  override readonly name = 'RemoteBindError';
}

/** Refuses an address beyond this machine unless asked: the console has no login of its own. */
export function checkBind(host: string, allowRemote: boolean): void {
  if (isLoopback(host) || allowRemote) return;
  throw new RemoteBindError(
    `--host ${host} would serve the console beyond this machine, with no login and your AWS credentials behind it; add --allow-remote if that is what you want`,
  );
}

/**
 * Starts the console on `host:port` (0 picks a free port). It answers only on loopback unless
 * `allowRemote`: it has no login of its own and reads the table with whoever started it's credentials.
 */
export async function startConsole(options: {
  store: ConsoleStore;
  config: WorkflowConfig;
  traceLink: TraceLinker;
  host: string;
  port: number;
  allowRemote?: boolean;
  refreshMs?: number;
  clock?: () => number;
}): Promise<ConsoleServer> {
  checkBind(options.host, options.allowRemote === true);
  const loopback = isLoopback(options.host);
  const assets = await buildAssets();
  const app = consoleApp(
    {
      store: options.store,
      config: options.config,
      clock: options.clock ?? Date.now,
      traceLink: options.traceLink,
    },
    assets,
    { refreshMs: options.refreshMs ?? 5000, ...(loopback ? { hosts: LOOPBACK_NAMES } : {}) },
  );
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: options.host, port: options.port }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const shown =
    options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shown === '127.0.0.1' ? 'localhost' : shown}:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        // Live streams stay open: end them rather than wait for the pages to go.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
