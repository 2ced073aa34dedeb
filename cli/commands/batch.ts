import { Command, Option } from 'commander';
import { Outputs } from '../../lib/contracts/outputs';
import {
  addSparkStep,
  type BatchRun,
  isSuccess,
  listBatchExecutions,
  listSparkSteps,
  startBatchExecution,
  waitForExecution,
  waitForStep,
} from '../lib/batch';
import { batchDays, renderBatchDays } from '../lib/batch-days';
import { formatDuration, parseDay } from '../lib/dates';
import { CliError, ExitCode, UsageError } from '../lib/errors';
import { duration, positiveInt } from '../lib/options';
import { formatTable } from '../lib/query';
import { localBatchRuns, runLocalBatch } from './batch-local';
import {
  addDeploymentOptions,
  type CliContext,
  clients,
  connection,
  type DeploymentOptions,
  deployment,
} from './context';

export interface RunOptions extends DeploymentOptions {
  date: string;
  wait?: boolean;
  clusterId?: string;
  entrypoint?: string;
  pyFiles?: string;
  timeout?: number;
  poll: number;
  json?: boolean;
}

interface StatusOptions extends DeploymentOptions {
  clusterId?: string;
  max: number;
  days: number;
  json?: boolean;
}

export function renderRuns(runs: readonly BatchRun[]): string {
  if (runs.length === 0) return '(no runs)';
  return formatTable(
    ['day', 'status', 'started', 'took', 'id'],
    runs.map((r) => [
      r.day ?? '?',
      r.status,
      r.startedAt ? r.startedAt.toISOString().slice(0, 19).replace('T', ' ') : '',
      r.startedAt && r.stoppedAt ? formatDuration(r.stoppedAt.getTime() - r.startedAt.getTime()) : '',
      r.id,
    ]),
  );
}

export function batchCommand(ctx: CliContext): Command {
  const batch = new Command('batch').description('run and inspect the daily batch (Spark on EMR)');

  const run = new Command('run')
    .description('start the batch for one day (Step Functions, or a Spark step on a running cluster)')
    .requiredOption('--date <yyyy-MM-dd>', 'UTC day to process', (v: string) => parseDay(v))
    .option('--wait', 'follow the run until it ends; the exit code is its outcome')
    .option(
      '--cluster-id <id>',
      'add the Spark step to this running EMR cluster instead of starting the state machine',
    )
    .option('--entrypoint <s3-uri>', 'with --cluster-id: S3 URI of jobs/spark/entrypoint.py as deployed')
    .option('--py-files <s3-uri>', 'with --cluster-id: S3 URI of the zipped jobs/spark/src')
    .addOption(
      new Option('--timeout <time>', 'with --wait: give up (exit 4) after this long').argParser(
        duration('--timeout'),
      ),
    )
    .addOption(
      new Option('--poll <time>', 'with --wait: poll interval')
        .default(15_000, '15s')
        .argParser(duration('--poll')),
    )
    .option('--json', 'print the run (and with --wait its outcome) as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ streamlake batch run --date 2026-11-20 --wait
  $ streamlake batch run --stage prod --date 2026-11-20 --wait --timeout 2h
  $ streamlake batch run --date 2026-11-20 --cluster-id j-2AXXXXXXGAPLF \\
      --entrypoint s3://my-assets/entrypoint.py --py-files s3://my-assets/streamlake_spark.zip --wait`,
    );
  addDeploymentOptions(run);
  run.action(async (o: RunOptions) => {
    if (o.local) {
      if (o.clusterId)
        throw new UsageError("--cluster-id is for EMR on AWS; --local runs the runtime's Spark job");
      return runLocalBatch(ctx, o);
    }
    const conn = connection(o);
    const d = await deployment(o);
    // One line when the status changes, else one a minute: readable in a terminal and in CI logs.
    let last = { status: '', at: Number.NEGATIVE_INFINITY };
    const onPoll = (status: string, elapsed: number) => {
      if (status === last.status && elapsed - last.at < 60_000) return;
      last = { status, at: elapsed };
      ctx.err(`  ${formatDuration(elapsed)}  ${status}`);
    };
    const waitOptions = {
      clock: ctx.clock,
      pollMs: o.poll,
      ...(o.timeout !== undefined ? { timeoutMs: o.timeout } : {}),
      onPoll,
    };
    if (o.clusterId) {
      if (!o.entrypoint)
        throw new UsageError('--cluster-id needs --entrypoint (the S3 URI of the deployed entrypoint.py)');
      const emr = clients.emr(conn);
      const stepId = await addSparkStep(emr, o.clusterId, {
        day: o.date,
        rawBucket: d.get(Outputs.rawBucketName),
        curatedBucket: d.get(Outputs.curatedBucketName),
        analyticsBucket: d.get(Outputs.analyticsBucketName),
        viewTable: d.get(Outputs.viewTableName),
        region: o.region,
        entrypoint: o.entrypoint,
        ...(o.pyFiles ? { pyFiles: o.pyFiles } : {}),
      });
      const started = { date: o.date, clusterId: o.clusterId, stepId };
      if (!o.json) ctx.out(`added step ${stepId} to ${o.clusterId} for ${o.date}`);
      if (!o.wait) {
        if (o.json) ctx.out(JSON.stringify(started, null, 2));
        return;
      }
      const r = await waitForStep(emr, o.clusterId, stepId, waitOptions);
      ctx.out(
        o.json
          ? JSON.stringify({ ...started, ...r }, null, 2)
          : `step ${stepId} ${r.status} after ${formatDuration(r.elapsedMs)}${r.reason ? `: ${r.reason}` : ''}`,
      );
      if (!isSuccess(r.status)) throw new CliError(`batch for ${o.date} ${r.status}`, ExitCode.failure);
      return;
    }
    const sfn = clients.sfn(conn);
    const arn = await startBatchExecution(
      sfn,
      d.get(Outputs.batchStateMachineArn, 'batch runs need the lambda architecture'),
      o.date,
      ctx.clock.now(),
    );
    const started = { date: o.date, executionArn: arn };
    if (!o.json) ctx.out(`started ${arn} for ${o.date}`);
    if (!o.wait) {
      if (o.json) ctx.out(JSON.stringify(started, null, 2));
      return;
    }
    const r = await waitForExecution(sfn, arn, waitOptions);
    ctx.out(
      o.json
        ? JSON.stringify({ ...started, ...r }, null, 2)
        : `${o.date}: ${r.status} after ${formatDuration(r.elapsedMs)}${r.error ? ` (${r.error}${r.cause ? `: ${r.cause}` : ''})` : ''}`,
    );
    if (!isSuccess(r.status)) throw new CliError(`batch for ${o.date} ${r.status}`, ExitCode.failure);
  });

  const status = new Command('status')
    .description('list recent batch runs with their days and outcomes')
    .option(
      '--cluster-id <id>',
      'list the Spark steps of this EMR cluster instead of state machine executions',
    )
    .addOption(new Option('--max <n>', 'how many runs').default(20).argParser(positiveInt('--max')))
    .addOption(
      new Option(
        '--days <n>',
        'how many days (up to yesterday, UTC; --local: today) to show the batch state of',
      )
        .default(7)
        .argParser(positiveInt('--days')),
    )
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ streamlake batch status
  $ streamlake batch status --stage prod --max 5 --json`,
    );
  addDeploymentOptions(status);
  status.action(async (o: StatusOptions) => {
    const conn = connection(o);
    if (o.clusterId) {
      const steps = (await listSparkSteps(clients.emr(conn), o.clusterId)).slice(0, o.max);
      ctx.out(o.json ? JSON.stringify(steps, null, 2) : renderRuns(steps));
      return;
    }
    const d = await deployment(o);
    const runs = o.local
      ? (await localBatchRuns(ctx, o)).slice(0, o.max)
      : await listBatchExecutions(
          clients.sfn(conn),
          d.get(Outputs.batchStateMachineArn, 'batch runs need the lambda architecture'),
          o.max,
        );
    // Per day: completed, missing, or late data (the completion items and the raw listing; the planner's rules).
    // The offline runtime's events are today's: its window ends today, a deployment's yesterday (today is open).
    const toDay = new Date(ctx.clock.now() - (o.local ? 0 : 86_400_000)).toISOString().slice(0, 10);
    const days = await batchDays(clients.dynamodb(conn), clients.s3(conn), {
      viewTable: d.get(Outputs.viewTableName),
      rawBucket: d.get(Outputs.rawBucketName),
      toDay,
      days: o.days,
    });
    ctx.out(
      o.json ? JSON.stringify({ runs, days }, null, 2) : `${renderRuns(runs)}\n\n${renderBatchDays(days)}`,
    );
  });

  return batch.addCommand(run).addCommand(status);
}
