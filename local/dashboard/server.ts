/**
 * The dashboard's HTTP server: on 127.0.0.1 only, on a free port the system picks. It serves the page
 * (local/dashboard/page/), uPlot from node_modules (no CDN: the runtime works offline), and `GET /api/state`, the
 * sampler's state as JSON (`?contentId=…&type=…` selects the content whose minutes are shown).
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { DashboardState } from './state';

export const STATE_PATH = '/api/state';

const PAGE_DIR = join(__dirname, 'page');
const UPLOT_DIR = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));

/** Static files by URL path: [file, content type]. Read once at start; the set is fixed. */
const STATIC: Record<string, readonly [string, string]> = {
  '/': [join(PAGE_DIR, 'index.html'), 'text/html; charset=utf-8'],
  '/app.js': [join(PAGE_DIR, 'app.js'), 'text/javascript; charset=utf-8'],
  '/style.css': [join(PAGE_DIR, 'style.css'), 'text/css; charset=utf-8'],
  '/vendor/uPlot.iife.min.js': [join(UPLOT_DIR, 'uPlot.iife.min.js'), 'text/javascript; charset=utf-8'],
  '/vendor/uPlot.min.css': [join(UPLOT_DIR, 'uPlot.min.css'), 'text/css; charset=utf-8'],
};

export type StateProvider = (selected: { contentId?: string; type?: string }) => Promise<DashboardState>;

export interface DashboardServer {
  readonly url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

export async function startDashboardServer(state: StateProvider): Promise<DashboardServer> {
  const files = new Map(
    Object.entries(STATIC).map(([p, [file, type]]) => [p, { body: readFileSync(file), type }]),
  );
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'GET only\n');
    if (url.pathname === STATE_PATH) {
      const s = await state({
        contentId: url.searchParams.get('contentId') ?? undefined,
        type: url.searchParams.get('type') ?? undefined,
      });
      return send(res, 200, 'application/json', JSON.stringify(s));
    }
    const f = files.get(url.pathname);
    if (!f) return send(res, 404, 'text/plain', `no ${url.pathname}\n`);
    send(res, 200, f.type, f.body);
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain', `${e instanceof Error ? e.message : String(e)}\n`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
