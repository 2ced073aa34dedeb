/**
 * The kept-running runtime's HTTP endpoint on 127.0.0.1 (random port; routes in lib/contracts/local-runtime.ts):
 * the serving API as API Gateway serves it (`GET /serving/metrics`, SigV4 checked, the real handler), and the control
 * routes the CLI's `--local` uses for what has no emulator: starting and listing batch runs, stopping the runtime.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type LocalBatchRun, LocalRoutes } from '../lib/contracts/local-runtime';
import { localContext, type QueryHandler } from './compute/serving';
import type { LocalReplays } from './replay-local';
import { type VerifyKey, verifySigV4 } from './sigv4-verify';

export interface BatchRunner {
  /** Starts the batch for `day`; throws BusyError while another run is going. */
  start(day: string): LocalBatchRun;
  list(): LocalBatchRun[];
}

export class BusyError extends Error {}

export interface RuntimeServerOptions {
  readonly serving?: QueryHandler;
  readonly key: VerifyKey;
  /** Absent when the variant has no batch layer: POST answers 501. */
  readonly batch?: BatchRunner;
  readonly onStop: () => void;
  /** Kappa: replays into the next Flink view (local/replay-local.ts). */
  readonly replays?: Pick<LocalReplays, 'start' | 'list' | 'plan'>;
  /** Why replay is refused on this runtime (501) when it has no `replays`. */
  readonly replayUnavailable: string;
  /** What `GET /health` adds: where the runtime's readers are (signals that do not look at any view). */
  readonly status?: () => Record<string, unknown>;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > 65_536) throw new Error('request body over 64 KiB');
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  const v: unknown = JSON.parse(text);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('body must be a JSON object');
  return v as Record<string, unknown>;
}

let requests = 0;

async function serve(o: RuntimeServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const method = req.method ?? 'GET';
  if (url.pathname === LocalRoutes.health) return send(res, 200, { ok: true, ...o.status?.() });
  if (url.pathname.startsWith(`${LocalRoutes.serving}/`)) {
    if (!o.serving) return send(res, 404, { message: 'this variant deploys no serving API' });
    const denied = await verifySigV4({ method, url: req.url ?? '/', headers: req.headers }, o.key);
    if (denied) return send(res, 403, { message: denied });
    const rawPath = url.pathname.slice(LocalRoutes.serving.length);
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    requests += 1;
    const event = {
      version: '2.0',
      routeKey: `${method} ${rawPath}`,
      rawPath,
      rawQueryString: url.search.slice(1),
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
      queryStringParameters: query,
      isBase64Encoded: false,
      requestContext: { http: { method, path: rawPath } },
    } as unknown as APIGatewayProxyEventV2;
    const r = await o.serving(event, localContext('query-api-local', `local-http-${requests}`));
    res.writeHead(r.statusCode ?? 200, { 'content-type': 'application/json', ...(r.headers ?? {}) });
    res.end(r.body ?? '');
    return;
  }
  if (url.pathname === LocalRoutes.batchRuns) {
    if (method === 'GET') return send(res, 200, { runs: o.batch?.list() ?? [] });
    if (method !== 'POST') return send(res, 405, { message: `${method} not allowed` });
    if (!o.batch) return send(res, 501, { message: 'this variant has no batch layer' });
    let day: unknown;
    try {
      day = (await readJson(req)).day;
    } catch (e) {
      return send(res, 400, { message: e instanceof Error ? e.message : String(e) });
    }
    if (typeof day !== 'string' || !DAY.test(day))
      return send(res, 400, { message: `day must be yyyy-MM-dd, got ${JSON.stringify(day)}` });
    try {
      return send(res, 202, o.batch.start(day));
    } catch (e) {
      if (e instanceof BusyError) return send(res, 409, { message: e.message });
      throw e;
    }
  }
  if (url.pathname === LocalRoutes.replays) {
    if (!o.replays) return send(res, 501, { message: o.replayUnavailable });
    if (method === 'GET') return send(res, 200, { replays: o.replays.list() });
    if (method !== 'POST') return send(res, 405, { message: `${method} not allowed` });
    let body: Record<string, unknown>;
    try {
      body = await readJson(req);
    } catch (e) {
      return send(res, 400, { message: e instanceof Error ? e.message : String(e) });
    }
    const fromMs = body.fromMs;
    if (fromMs !== undefined && (typeof fromMs !== 'number' || !Number.isFinite(fromMs)))
      return send(res, 400, { message: 'fromMs must be epoch milliseconds' });
    if (body.dryRun === true) return send(res, 200, { dryRun: true, ...(await o.replays.plan()) });
    const started = await o.replays.start(fromMs);
    if (!started) return send(res, 409, { message: 'a replay is already going: wait for it (GET /replays)' });
    return send(res, 202, started);
  }
  if (url.pathname === LocalRoutes.stop && method === 'POST') {
    send(res, 202, { stopping: true });
    o.onStop();
    return;
  }
  return send(res, 404, { message: `no route ${method} ${url.pathname}` });
}

/** Listens on 127.0.0.1 on a free port; resolves with the server and its base URL. */
export async function startRuntimeServer(o: RuntimeServerOptions): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    serve(o, req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, { message: e instanceof Error ? e.message : String(e) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}

/** Closes the server and every open connection. */
export function stopRuntimeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
