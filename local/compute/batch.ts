/** The batch layer, offline: the real Spark job for the closed day (spark-submit local[2], S3A on moto). */
import type { Deployment } from '../infra';
import { runSpark } from '../jobs';
import type { LogFiles } from '../logs';
import type { ProcessRegistry } from '../proc';

export interface BatchRun {
  readonly exit: number | null;
  readonly log: string;
}

/** Runs the job for `day` over what the archive delivered; the Firehose prefix's static part is the raw root. */
export async function runBatch(
  d: Deployment,
  reg: ProcessRegistry,
  logs: LogFiles,
  workDir: string,
  day: string,
): Promise<BatchRun> {
  const rawRoot = d.firehose?.prefix.split('dt=')[0]?.replace(/\/$/, '') || 'raw/events';
  const exit = await runSpark(reg, {
    workDir,
    ep: d.ep,
    day,
    rawBucket: d.rawBucket,
    curatedBucket: d.curatedBucket,
    analyticsBucket: d.analyticsBucket,
    viewTable: d.table,
    rawRoot,
  });
  return { exit, log: logs.path(`spark-${day}`) };
}
