/**
 * `batch run --local` and `batch status --local`: the offline runtime runs the Spark job itself (spark-submit
 * local[2] against its emulators, the same job as on EMR), asked over its HTTP endpoint; the CLI starts a run, follows
 * it like a Step Functions execution and lists the runs.
 */
import { type LocalBatchRun, LocalRoutes } from '../../lib/contracts/local-runtime';
import { type BatchRun, isSuccess } from '../lib/batch';
import { formatDuration } from '../lib/dates';
import { CliError, ExitCode } from '../lib/errors';
import { callRuntime } from '../lib/local-runtime';
import type { RunOptions } from './batch';
import { type CliContext, connection, type DeploymentOptions, localRuntime } from './context';

function asBatchRun(r: LocalBatchRun): BatchRun {
  return {
    id: r.id,
    day: r.day,
    status: r.status,
    startedAt: new Date(r.startedAt),
    ...(r.stoppedAt ? { stoppedAt: new Date(r.stoppedAt) } : {}),
  };
}

/** The runtime's batch runs, newest first. */
export async function localBatchRuns(ctx: CliContext, o: DeploymentOptions): Promise<BatchRun[]> {
  const rt = localRuntime(o);
  const { runs } = await callRuntime<{ runs: LocalBatchRun[] }>(rt, LocalRoutes.batchRuns, {
    fetch: ctx.fetch,
    network: connection(o).network,
  });
  return runs.map(asBatchRun);
}

export async function runLocalBatch(ctx: CliContext, o: RunOptions): Promise<void> {
  const rt = localRuntime(o);
  const network = connection(o).network;
  const started = await callRuntime<LocalBatchRun>(rt, LocalRoutes.batchRuns, {
    method: 'POST',
    body: { day: o.date },
    fetch: ctx.fetch,
    network,
  });
  if (!o.json) ctx.out(`started ${started.id} for ${o.date} (offline runtime, log ${started.log})`);
  if (!o.wait) {
    if (o.json) ctx.out(JSON.stringify(started, null, 2));
    return;
  }
  const t0 = ctx.clock.now();
  let last = '';
  for (;;) {
    const { runs } = await callRuntime<{ runs: LocalBatchRun[] }>(rt, LocalRoutes.batchRuns, {
      fetch: ctx.fetch,
      network,
    });
    const r = runs.find((x) => x.id === started.id);
    if (!r) throw new CliError(`the offline runtime no longer lists ${started.id} (was it restarted?)`);
    const elapsed = ctx.clock.now() - t0;
    if (r.status !== 'RUNNING') {
      ctx.out(
        o.json
          ? JSON.stringify({ ...r, elapsedMs: elapsed }, null, 2)
          : `${o.date}: ${r.status} after ${formatDuration(elapsed)}${r.error ? ` (${r.error})` : ''}${
              r.status === 'FAILED' ? ` — log ${r.log}` : ''
            }`,
      );
      if (!isSuccess(r.status)) throw new CliError(`batch for ${o.date} ${r.status}`, ExitCode.failure);
      return;
    }
    if (o.timeout !== undefined && elapsed >= o.timeout)
      throw new CliError(
        `gave up waiting after ${formatDuration(elapsed)}; ${r.id} is still ${r.status}`,
        ExitCode.timedOut,
      );
    if (r.status !== last) ctx.err(`  ${formatDuration(elapsed)}  ${r.status}`);
    last = r.status;
    // Spark local[2] takes tens of seconds: the AWS default poll (15 s) would add most of a poll to each run.
    await ctx.clock.sleep(Math.min(o.poll, 2_000));
  }
}
