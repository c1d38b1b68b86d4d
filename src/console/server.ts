import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { alertsView, type Board, board, type ConsoleDeps, instanceView, stepView } from './data.js';

/**
 * The console's web server, on Hono: a static shell, one script and one stylesheet built with
 * esbuild when it starts (so `npx overdue console` needs no build step), JSON endpoints, and a
 * server-sent event stream that pushes the board. Everything from events reaches the page as JSON
 * and is put into the DOM as text, never as markup; the Content-Security-Policy forbids inline
 * scripts besides, so a `<script>` in a correlation ID stays text twice over.
 */

export interface ConsoleOptions {
  /** How often the live stream pushes the board (ms). */
  refreshMs?: number;
  /** Host names the server answers to (DNS rebinding: a page elsewhere cannot point a name at us). */
  hosts?: readonly string[];
}

/** The Host names a loopback console answers to. */
export const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** Whether a bind address keeps the server on this machine. */
export const isLoopback = (host: string) =>
  host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

/** JSON with `<`, `>` and `&` escaped: safe even if something ever put it inside markup. */
export const safeJson = (value: unknown) =>
  JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

export interface Assets {
  html: string;
  js: string;
  css: string;
}

/** The page's script and styles, bundled in memory. */
export async function buildAssets(): Promise<Assets> {
  const { build } = await import('esbuild');
  const entry = fileURLToPath(new URL('./web/app.ts', import.meta.url));
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    minify: true,
    target: 'es2022',
    platform: 'browser',
    logLevel: 'silent',
  });
  const js = out.outputFiles[0]?.text ?? '';
  const require = createRequire(import.meta.url);
  const uplotCss = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  const css = uplotCss + readFileSync(new URL('./web/app.css', import.meta.url), 'utf8');
  const html = readFileSync(new URL('./web/index.html', import.meta.url), 'utf8');
  return { html, js, css };
}

export function consoleApp(deps: ConsoleDeps, assets: Assets, options: ConsoleOptions = {}) {
  const refreshMs = options.refreshMs ?? 5000;
  const hosts = options.hosts;
  const app = new Hono();

  // One board read per refresh, whatever the number of open pages.
  let cached: { at: number; board: Promise<Board> } | undefined;
  const currentBoard = () => {
    const now = Date.now();
    if (!cached || now - cached.at >= refreshMs) {
      const next = board(deps);
      cached = { at: now, board: next };
      next.catch(() => {
        if (cached?.board === next) cached = undefined;
      });
    }
    return cached.board;
  };

  app.use('*', async (c, next) => {
    if (hosts) {
      // The request URL's host is the Host header's (node-server builds it from that header).
      const host = new URL(c.req.url).hostname;
      if (!hosts.includes(host)) return c.text('overdue console: unknown Host header\n', 403);
    }
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.header(k, v);
    return undefined;
  });

  const json = (value: unknown, status: 200 | 404 = 200) =>
    new Response(safeJson(value), { status, headers: { 'Content-Type': 'application/json; charset=utf-8' } });

  app.get('/', (c) => c.html(assets.html));
  app.get('/app.js', (c) => c.body(assets.js, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));
  app.get('/app.css', (c) => c.body(assets.css, 200, { 'Content-Type': 'text/css; charset=utf-8' }));

  app.get('/api/board', async () => json(await currentBoard()));
  app.get('/api/instance/:id', async (c) => {
    const view = await instanceView(deps, c.req.param('id'), c.req.query('workflow') || undefined);
    return json(view, view.instances.length === 0 ? 404 : 200);
  });
  app.get('/api/step/:workflow/:step', async (c) => {
    const view = await stepView(deps, c.req.param('workflow'), c.req.param('step'));
    return view ? json(view) : json({ error: 'no such workflow and step in the workflow file' }, 404);
  });
  app.get('/api/alerts', async (c) => {
    const hours = Number(c.req.query('hours') ?? 24);
    return json(
      await alertsView(deps, {
        workflow: c.req.query('workflow') || undefined,
        kind: c.req.query('kind') || undefined,
        severity: c.req.query('severity') || undefined,
        hours: Number.isFinite(hours) ? hours : 24,
      }),
    );
  });
  app.get('/api/live', (c) =>
    streamSSE(c, async (stream) => {
      let open = true;
      stream.onAbort(() => {
        open = false;
      });
      while (open) {
        try {
          await stream.writeSSE({ event: 'board', data: safeJson(await currentBoard()) });
        } catch (error) {
          await stream.writeSSE({ event: 'problem', data: safeJson({ error: String(error) }) });
        }
        await stream.sleep(refreshMs);
      }
    }),
  );
  app.onError((error, c) => c.json({ error: String((error as Error).message ?? error) }, 500));
  return app;
}
