/**
 * The live Flink job of the offline run (view flink-v1) and its fault: with `killFlinkAt`, a SIGKILL once that fraction
 * of the workload is produced (after a first completed checkpoint), then a restart from the newest retained checkpoint.
 */
import { join } from 'node:path';
import type { GeneratedRecord } from '../../cli/lib/generator';
import type { ProducerResult } from '../../cli/lib/producer';
import viewTable from '../../lib/contracts/view-table.json';
import { REGION } from '../emulators';
import type { Deployment } from '../infra';
import { writeFlinkProperties } from '../jobs';
import type { LogFiles, RunConsole } from '../logs';
import type { ProcessRegistry } from '../proc';
import { sleep } from '../proc';
import { produceWorkload } from '../produce';
import { FlinkJob, hasCompletedCheckpoint } from './flink';

/** The live Flink job's view. */
export const FLINK_VIEW = `${viewTable.views.flinkPrefix}1`;

export interface LiveFlinkContext {
  readonly workDir: string;
  readonly reg: ProcessRegistry;
  readonly logs: LogFiles;
  readonly out: RunConsole;
}

/** The Flink job of the live view, and the kill-and-restore fault when asked for. */
export class LiveFlink {
  job: FlinkJob;
  restarts = 0;
  private killing?: Promise<void>;
  readonly propertiesFile: string;
  readonly checkpointDir: string;

  private constructor(
    private readonly run: LiveFlinkContext,
    job: FlinkJob,
  ) {
    this.job = job;
    this.propertiesFile = job.options.propertiesFile;
    this.checkpointDir = job.options.checkpointDir;
  }

  static async start(run: LiveFlinkContext, d: Deployment): Promise<LiveFlink> {
    const propertiesFile = join(run.workDir, 'flink.properties');
    writeFlinkProperties(propertiesFile, {
      Source: {
        streamArn: d.streamArn,
        region: REGION,
        endpoint: d.ep.kinesis,
        initialPosition: 'TRIM_HORIZON',
      },
      Sink: { tableName: d.table, region: REGION, endpoint: d.ep.dynamodb, viewName: FLINK_VIEW },
      DeadLetter: { tableName: d.table, region: REGION, endpoint: d.ep.dynamodb },
    });
    run.logs.path('flink-1');
    const job = await FlinkJob.start(run.reg, {
      workDir: run.workDir,
      ep: d.ep,
      propertiesFile,
      checkpointDir: join(run.workDir, 'flink-checkpoints'),
      logName: 'flink-1',
      restore: false,
    });
    return new LiveFlink(run, job);
  }

  /** SIGKILL, then a restart from the newest retained checkpoint (once). */
  killAndRestore(): Promise<void> {
    this.killing ??= (async () => {
      await this.job.kill();
      this.run.out.line('  killed the Flink job (SIGKILL); restarting it from its latest checkpoint');
      this.run.logs.path('flink-2');
      this.job = await FlinkJob.start(this.run.reg, {
        ...this.job.options,
        logName: 'flink-2',
        restore: true,
      });
      this.restarts += 1;
    })();
    return this.killing;
  }

  get killed(): boolean {
    return this.killing !== undefined;
  }
}

/** Produces the workload; with `killAt`, kills and restores the live Flink job on the way. */
export async function produceAndMaybeKill(
  run: LiveFlinkContext,
  d: Deployment,
  records: readonly GeneratedRecord[],
  o: { ratePerSecond: number; killAt?: number; putTimes: Map<string, number> },
  flink: LiveFlink | undefined,
): Promise<ProducerResult<GeneratedRecord>> {
  const { killAt, putTimes } = o;
  if (flink && killAt !== undefined) {
    // Kill mid-stream, not before the job has started: wait for its first completed checkpoint before producing.
    const deadline = Date.now() + 300_000;
    while (!hasCompletedCheckpoint(flink.checkpointDir) && flink.job.running && Date.now() < deadline)
      await sleep(500);
    run.out.line('  the Flink job has a completed checkpoint; producing');
  }
  const result = await produceWorkload(
    d,
    records,
    {
      ratePerSecond: o.ratePerSecond,
      putTimes,
      onSent: (sent) => {
        if (flink && killAt !== undefined && !flink.killed && sent >= killAt * records.length)
          if (hasCompletedCheckpoint(flink.checkpointDir)) void flink.killAndRestore();
      },
    },
    run.out,
  );
  if (flink && killAt !== undefined) {
    if (!flink.killed) {
      // The checkpoint came late: kill now anyway, after waiting for one, so the restore path still runs.
      const deadline = Date.now() + 120_000;
      while (!hasCompletedCheckpoint(flink.checkpointDir) && Date.now() < deadline) await sleep(500);
    }
    await flink.killAndRestore();
  }
  return result;
}
