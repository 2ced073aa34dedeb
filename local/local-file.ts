/**
 * Where a kept-running runtime describes itself (lib/contracts/local-runtime.ts), and whether one is up. A light
 * module: `npm start` checks it before loading the runtime.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  LOCAL_RUNTIME_FILE,
  LOCAL_RUNTIME_FILE_ENV,
  type LocalRuntimeFile,
} from '../lib/contracts/local-runtime';

const REPO_ROOT = resolve(__dirname, '..');

/** $STREAMLAKE_LOCAL_FILE, else .streamlake/local.json in the repository. */
export function localRuntimeFile(env: NodeJS.ProcessEnv = process.env): string {
  return env[LOCAL_RUNTIME_FILE_ENV] || join(REPO_ROOT, LOCAL_RUNTIME_FILE);
}

/** True when `pid` is a live process. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of another runtime that is up according to `file`, if any (a stale file is not one). */
export function runningRuntime(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const pid = (JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalRuntimeFile>).pid;
    return typeof pid === 'number' && pid !== process.pid && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}
