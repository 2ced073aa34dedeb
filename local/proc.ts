/**
 * Child-process plumbing for the offline runtime: free ports, process groups, readiness probes and a
 * registry that kills everything it started (on normal exit, on error and on SIGINT/SIGTERM).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer, Socket } from 'node:net';

/** A free TCP port on 127.0.0.1, chosen by the kernel. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500);
    s.once('connect', () => done(true));
    s.once('timeout', () => done(false));
    s.once('error', () => done(false));
    s.connect(port, '127.0.0.1');
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `probe` until it returns true or `timeoutMs` passes. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface StartOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** File that receives the child's stdout and stderr. */
  readonly logFile: string;
}

/** A child started in its own process group, so that killing it also kills what it spawned (JVMs, Spark). */
export class ManagedProcess {
  readonly child: ChildProcess;
  private exited = false;
  readonly exit: Promise<number | null>;

  constructor(readonly opts: StartOptions) {
    const log = createWriteStream(opts.logFile, { flags: 'a' });
    this.child = spawn(opts.command, [...opts.args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.pipe(log);
    this.child.stderr?.pipe(log);
    this.exit = new Promise((resolve) => {
      this.child.once('exit', (code) => {
        this.exited = true;
        resolve(code);
      });
      this.child.once('error', () => {
        this.exited = true;
        resolve(-1);
      });
    });
  }

  get running(): boolean {
    return !this.exited;
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  }

  /** SIGTERM to the process group, SIGKILL after `graceMs` (kinesis-local ignores SIGTERM). */
  async stop(graceMs = 2000): Promise<void> {
    if (!this.running) {
      this.signal('SIGKILL'); // grandchildren may outlive a dead group leader
      return;
    }
    this.signal('SIGTERM');
    const timer = sleep(graceMs).then(() => 'timeout' as const);
    if ((await Promise.race([this.exit.then(() => 'exited' as const), timer])) === 'timeout') {
      this.signal('SIGKILL');
      await Promise.race([this.exit, sleep(5000)]);
    } else {
      this.signal('SIGKILL');
    }
  }

  /** SIGKILL now, no grace: used by the fault test to crash a job. */
  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await Promise.race([this.exit, sleep(5000)]);
  }
}

/** Every process the runtime started; `stopAll` is idempotent and safe to call from a signal handler. */
export class ProcessRegistry {
  private readonly procs: ManagedProcess[] = [];
  private stopping: Promise<void> | undefined;

  start(opts: StartOptions): ManagedProcess {
    const p = new ManagedProcess(opts);
    this.procs.push(p);
    return p;
  }

  stopAll(): Promise<void> {
    this.stopping ??= Promise.all([...this.procs].reverse().map((p) => p.stop())).then(() => undefined);
    return this.stopping;
  }

  /** Installs SIGINT/SIGTERM handlers that stop every child, then exit with 130/143. */
  installSignalHandlers(onSignal?: (sig: NodeJS.Signals) => void): () => void {
    const handler = (sig: NodeJS.Signals) => {
      onSignal?.(sig);
      void this.stopAll().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    };
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  }
}

/** Runs a command to completion (own process group), resolving with its exit code; output goes to `logFile`. */
export async function runToCompletion(reg: ProcessRegistry, opts: StartOptions): Promise<number | null> {
  const p = reg.start(opts);
  return p.exit;
}
