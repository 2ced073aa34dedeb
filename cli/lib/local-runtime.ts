/**
 * `--local`: the offline runtime that `npm start -- --keep-running` left up, as `.streamlake/local.json` describes it
 * (lib/contracts/local-runtime.ts). Its emulators stand in for Kinesis, DynamoDB, S3, SQS and SSM; its own HTTP
 * endpoint serves the query API (SigV4-checked) and runs batches. A missing or stale file is "not deployed" (exit 3)
 * with the command that starts the runtime.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  LOCAL_RUNTIME_FILE,
  LOCAL_RUNTIME_FILE_ENV,
  LOCAL_RUNTIME_VERSION,
  LOCAL_SERVICES,
  type LocalRuntimeFile,
} from '../../lib/contracts/local-runtime';
import { type OutputName, Outputs } from '../../lib/contracts/outputs';
import { Deployment } from './deployment';
import { CliError, ExitCode, NotDeployedError } from './errors';
import { DEFAULT_NETWORK, type FetchLike, fetchWithRetries, type NetworkOptions } from './network';

const START = 'start it with `npm start -- --keep-running` (docs/cli.md, "An offline session")';

/** Candidate files: $STREAMLAKE_LOCAL_FILE; else .streamlake/local.json in the working folder or a parent, or the repository's. */
export function localRuntimeCandidates(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string[] {
  const fromEnv = env[LOCAL_RUNTIME_FILE_ENV];
  if (fromEnv) return [resolve(cwd, fromEnv)];
  const out: string[] = [];
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    out.push(join(dir, LOCAL_RUNTIME_FILE));
    if (dirname(dir) === dir) break;
  }
  const repo = join(resolve(__dirname, '..', '..'), LOCAL_RUNTIME_FILE);
  if (!out.includes(repo)) out.push(repo);
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Checks the file's shape, so that a hand-edited or older file fails here and not deep in a command. */
export function parseLocalRuntime(text: string, file: string): LocalRuntimeFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${file} is not JSON (${(e as Error).message}): remove it and ${START}`);
  }
  const f = v as Partial<LocalRuntimeFile>;
  if (f.version !== LOCAL_RUNTIME_VERSION)
    throw new CliError(
      `${file} has version ${String(f.version)}, this CLI reads ${LOCAL_RUNTIME_VERSION}: ${START}`,
    );
  const missing = [
    ...(typeof f.pid === 'number' ? [] : ['pid']),
    ...(f.architecture === 'lambda' || f.architecture === 'kappa' ? [] : ['architecture']),
    ...(typeof f.region === 'string' ? [] : ['region']),
    ...(f.credentials?.accessKeyId && f.credentials.secretAccessKey ? [] : ['credentials']),
    ...[...LOCAL_SERVICES, 'runtime' as const]
      .filter((s) => typeof f.endpoints?.[s] !== 'string')
      .map((s) => `endpoints.${s}`),
    ...(f.outputs && typeof f.outputs === 'object' ? [] : ['outputs']),
  ];
  if (missing.length > 0) throw new CliError(`${file} lacks ${missing.join(', ')}: remove it and ${START}`);
  return f as LocalRuntimeFile;
}

export interface LocalRuntime extends LocalRuntimeFile {
  readonly file: string;
}

/** The running offline runtime, or NotDeployedError (exit 3) saying how to start it. */
export function readLocalRuntime(
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
  isAlive: (pid: number) => boolean = alive,
): LocalRuntime {
  const candidates = localRuntimeCandidates(env, cwd);
  const file = candidates.find((f) => existsSync(f));
  if (!file) throw new NotDeployedError(`no offline runtime is running (no ${candidates[0]}): ${START}`);
  const parsed = parseLocalRuntime(readFileSync(file, 'utf8'), file);
  if (!isAlive(parsed.pid))
    throw new NotDeployedError(
      `the offline runtime in ${file} is not running (pid ${parsed.pid} has exited; the file is stale): ${START}`,
    );
  return { ...parsed, file };
}

/** The runtime's resources as a Deployment, so that commands find them exactly as they find a stack's outputs. */
export function localDeployment(rt: LocalRuntime): Deployment {
  const outputs = new Map<string, { value: string; stack: string }>();
  const stack = `offline runtime (pid ${rt.pid}, ${rt.file})`;
  for (const [k, v] of Object.entries(rt.outputs))
    if (typeof v === 'string') outputs.set(k, { value: v, stack });
  return new Deployment('dev', [stack], rt.architecture, outputs);
}

export function localOutput(rt: LocalRuntime, name: OutputName): string | undefined {
  return rt.outputs[name];
}

/** Calls a route of the runtime's HTTP endpoint; JSON in and out; an answer other than 2xx is a CliError with its message. */
export async function callRuntime<T>(
  rt: LocalRuntime,
  route: string,
  o: { method?: 'GET' | 'POST'; body?: unknown; fetch: FetchLike; network?: NetworkOptions },
): Promise<T> {
  const method = o.method ?? 'GET';
  const network = o.network ?? DEFAULT_NETWORK;
  const res = await fetchWithRetries(
    o.fetch,
    `${rt.endpoints.runtime}${route}`,
    async () => ({ accept: 'application/json', 'content-type': 'application/json' }),
    // A POST starts something: sent once (a lost answer is not retried into a second batch run).
    method === 'POST' ? { ...network, maxAttempts: 1 } : network,
    undefined,
    { method, ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}) },
  );
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    body = undefined;
  }
  if (res.status >= 200 && res.status < 300 && body !== undefined) return body as T;
  const message = (body as { message?: string } | undefined)?.message ?? res.text.slice(0, 300);
  throw new CliError(
    `the offline runtime answered ${res.status} to ${method} ${route}: ${message}`,
    res.status === 400 ? ExitCode.usage : ExitCode.failure,
  );
}

export { Outputs };
