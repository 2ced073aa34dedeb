/**
 * A local Flink job (scripts/run-flink-local.sh, the same code as the Managed Flink jar): started with its REST API on
 * a free port, recognised as running and reachable by the lines lib/contracts/flink-runtime.json names, and settled
 * on its REST figures (local/flink-rest.ts).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import flinkRuntime from '../../lib/contracts/flink-runtime.json';
import type { Endpoints } from '../emulators';
import {
  type FlinkExpectation,
  FlinkRest,
  type FlinkSnapshot,
  flinkSettled,
  sourceRead,
} from '../flink-rest';
import { startFlink } from '../jobs';
import type { RunConsole } from '../logs';
import { freePort, type ManagedProcess, type ProcessRegistry, sleep } from '../proc';
import { type SettleResult, settle } from '../settle';

export interface FlinkJobOptions {
  readonly workDir: string;
  readonly ep: Endpoints;
  readonly propertiesFile: string;
  readonly checkpointDir: string;
  /** Log file name under logs/ (without .log). */
  readonly logName: string;
  readonly restore: boolean;
}

/** The text after `prefix` on the first line of `text` that contains it, up to the next whitespace. */
export function valueAfter(text: string, prefix: string): string | undefined {
  const at = text.indexOf(prefix);
  if (at < 0) return undefined;
  return text.slice(at + prefix.length).split(/\s/)[0] || undefined;
}

export class FlinkJob {
  private rest?: FlinkRest;

  private constructor(
    readonly process: ManagedProcess,
    readonly options: FlinkJobOptions,
  ) {}

  static async start(reg: ProcessRegistry, o: FlinkJobOptions): Promise<FlinkJob> {
    const restPort = await freePort();
    const p = startFlink(reg, {
      workDir: o.workDir,
      propertiesFile: o.propertiesFile,
      checkpointDir: o.checkpointDir,
      restore: o.restore,
      ep: o.ep,
      logName: o.logName,
      restPort,
    });
    return new FlinkJob(p, o);
  }

  get logFile(): string {
    return this.process.opts.logFile;
  }

  get running(): boolean {
    return this.process.running;
  }

  private log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  /**
   * Waits for the job's "running" line and its REST endpoint line. Resolves false when the process exits first or the
   * time runs out (the first run compiles the job and resolves its Maven dependencies).
   */
  async waitRunning(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && this.process.running) {
      const text = this.log();
      const url = valueAfter(text, flinkRuntime.logLines.restEndpoint);
      if (text.includes(flinkRuntime.logLines.jobRunning) && url) {
        this.rest = new FlinkRest(url);
        return true;
      }
      await sleep(500);
    }
    return false;
  }

  /** Why the job is not usable, for a report line: exit code or missing lines. */
  describeFailure(): string {
    const text = this.log();
    if (!this.process.running) return `exited (log ${this.logFile})`;
    if (!text.includes(flinkRuntime.logLines.jobRunning))
      return `no "${flinkRuntime.logLines.jobRunning}" line (log ${this.logFile})`;
    return `no "${flinkRuntime.logLines.restEndpoint.trim()}" line (log ${this.logFile}; the job needs ${flinkRuntime.localFlags.restPort})`;
  }

  async snapshot(): Promise<FlinkSnapshot> {
    if (!this.rest) throw new Error('the job has not reported its REST endpoint');
    const jobId = await this.rest.jobId();
    if (!jobId) throw new Error('no running job on the REST API');
    return this.rest.snapshot(jobId);
  }

  /** Waits until the job has finished with its input (flinkSettled), polling its REST API. */
  async settle(
    name: string,
    expect: FlinkExpectation,
    timeoutMs: number,
    out: RunConsole,
  ): Promise<SettleResult> {
    if (!this.rest && !(await this.waitRunning(timeoutMs)))
      return { name, settled: false, ms: 0, detail: this.describeFailure() };
    const minIntervalMs = expect.minIntervalMs ?? 1000;
    let recent: FlinkSnapshot[] = [];
    let unchangedSince = Date.now();
    const signals =
      expect.sourceRecords !== undefined
        ? `source read ${expect.sourceRecords} records, nothing between operators, watermarks still, sinks idle`
        : `source read ≥ ${expect.minSourceRecords ?? 0} records and still for ${expect.quietMs / 1000} s, nothing between operators, watermarks still, sinks idle`;
    return settle(
      name,
      async () => {
        if (!this.process.running) return { settled: false, waiting: [this.describeFailure()] };
        const cur = await this.snapshot();
        const last = recent[recent.length - 1];
        if (!last || sourceRead(last) !== sourceRead(cur)) unchangedSince = cur.atMs;
        // Compare with the newest snapshot at least minIntervalMs old: "still" then spans that interval.
        const prev = recent.filter((x) => cur.atMs - x.atMs >= minIntervalMs).pop();
        recent = [...recent.filter((x) => cur.atMs - x.atMs < 10 * minIntervalMs), cur];
        return flinkSettled(prev, cur, expect, unchangedSince);
      },
      { timeoutMs, everyMs: 1000, signals, out },
    );
  }

  async stop(): Promise<void> {
    await this.process.stop(5000);
  }

  async kill(): Promise<void> {
    await this.process.kill();
  }
}

/** True when the checkpoint folder holds a completed checkpoint (`_metadata`). */
export function hasCompletedCheckpoint(dir: string): boolean {
  if (!existsSync(dir)) return false;
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (e === '_metadata') return true;
    if (statSync(p).isDirectory() && hasCompletedCheckpoint(p)) return true;
  }
  return false;
}
