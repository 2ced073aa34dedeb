/** Runs `streamlake` as a user would (a child process, real streams and signals), and endpoints that misbehave. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', 'cli', 'bin', 'streamlake.js');

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment without any AWS setting, plus `extra`: no credentials, no region, no profile, no IMDS. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
  return {
    ...env,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(__dirname, 'no-such-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(__dirname, 'no-such-aws-credentials'),
    ...extra,
  };
}

export function start(args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function finished(child: ChildProcess): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

export function runCli(args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<Finished> {
  return finished(start(args, env, cwd));
}

/** A TCP server on a random port that accepts every connection and never answers. */
export interface SilentServer {
  readonly url: string;
  /** Connections accepted so far. */
  readonly connections: () => number;
  /** Resolves when the n-th connection has been accepted. */
  readonly connected: (n?: number) => Promise<void>;
  readonly close: () => Promise<void>;
}

export async function silentServer(): Promise<SilentServer> {
  const sockets: Socket[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    for (const w of waiters.filter((x) => sockets.length >= x.n)) w.resolve();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => sockets.length,
    connected: (n = 1) =>
      sockets.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })),
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** A URL on 127.0.0.1 where nothing listens (connection refused). */
export async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

/** No line of a stack trace (`    at fn (file:1:2)`) and no raw SDK error name. */
export function noStackTrace(text: string): void {
  expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(text).not.toMatch(/CredentialsProviderError:.*\n\s+at /);
}
