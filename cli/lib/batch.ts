/**
 * `streamlake batch`: start the daily batch (Step Functions, or a Spark step on a running EMR cluster),
 * follow it, and list recent runs. AWS clients are injected so tests use aws-sdk-client-mock.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AddJobFlowStepsCommand,
  DescribeStepCommand,
  type EMRClient,
  ListStepsCommand,
} from '@aws-sdk/client-emr';
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { type Clock, systemClock } from './clock';
import { formatDuration } from './dates';
import { CliError, ExitCode } from './errors';

export type RunOutcome =
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'ABORTED'
  | 'PENDING'
  | 'CANCELLED'
  | string;

export interface BatchRun {
  readonly id: string;
  readonly day: string | undefined;
  readonly status: RunOutcome;
  readonly startedAt?: Date;
  readonly stoppedAt?: Date;
}

/** Execution names are unique per state machine for 90 days: the day plus a timestamp keeps re-runs distinct. */
export function executionName(day: string, now: number): string {
  return `day-${day}-${new Date(now).toISOString().replace(/[-:.]/g, '').slice(0, 15)}`;
}

export async function startBatchExecution(
  sfn: Pick<SFNClient, 'send'>,
  stateMachineArn: string,
  day: string,
  now = Date.now(),
): Promise<string> {
  const out = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn,
      name: executionName(day, now),
      input: JSON.stringify({ date: day }),
    }),
  );
  if (!out.executionArn) throw new CliError('StartExecution returned no executionArn');
  return out.executionArn;
}

const TERMINAL_SFN = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);
const TERMINAL_EMR = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'INTERRUPTED']);

export interface WaitOptions {
  readonly clock?: Clock;
  readonly pollMs?: number;
  /** Give up waiting (exit 4) after this long. @default - wait forever */
  readonly timeoutMs?: number;
  readonly onPoll?: (status: string, elapsedMs: number) => void;
}

/** Follows an execution until it ends; returns its final status. */
export async function waitForExecution(
  sfn: Pick<SFNClient, 'send'>,
  executionArn: string,
  options: WaitOptions = {},
): Promise<{ status: string; error?: string; cause?: string; elapsedMs: number }> {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  for (;;) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const status = d.status ?? 'UNKNOWN';
    const elapsedMs = clock.now() - started;
    options.onPoll?.(status, elapsedMs);
    if (TERMINAL_SFN.has(status))
      return {
        status,
        elapsedMs,
        ...(d.error ? { error: d.error } : {}),
        ...(d.cause ? { cause: d.cause } : {}),
      };
    if (options.timeoutMs !== undefined && elapsedMs >= options.timeoutMs)
      throw new CliError(
        `gave up waiting after ${formatDuration(elapsedMs)}; ${executionArn} is still ${status}`,
        ExitCode.timedOut,
      );
    await clock.sleep(options.pollMs ?? 15_000);
  }
}

function dayOfExecutionName(name: string | undefined): string | undefined {
  return /^day-(\d{4}-\d{2}-\d{2})-/.exec(name ?? '')?.[1];
}

/** Recent executions (newest first) with the day each processed. */
export async function listBatchExecutions(
  sfn: Pick<SFNClient, 'send'>,
  stateMachineArn: string,
  maxResults = 20,
): Promise<BatchRun[]> {
  const out = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults }));
  const runs: BatchRun[] = [];
  for (const e of out.executions ?? []) {
    let day = dayOfExecutionName(e.name);
    if (!day && e.executionArn) {
      // Started by the schedule or by hand: the day is in the input.
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
      try {
        const input = JSON.parse(d.input ?? '{}') as { date?: unknown };
        day = typeof input.date === 'string' ? input.date : undefined;
      } catch {
        day = undefined;
      }
    }
    runs.push({
      id: e.executionArn ?? e.name ?? '?',
      day,
      status: e.status ?? 'UNKNOWN',
      ...(e.startDate ? { startedAt: e.startDate } : {}),
      ...(e.stopDate ? { stoppedAt: e.stopDate } : {}),
    });
  }
  return runs;
}

/** lib/contracts/spark-args.json: the Spark job's arguments and spark-submit settings, defined once. */
interface SparkArgsContract {
  readonly job: { readonly entrypoint: string; readonly sparkConf?: Readonly<Record<string, string>> };
  readonly args: Readonly<Record<string, { readonly required: boolean }>>;
}

export const SPARK_ARGS_PATH = join(__dirname, '..', '..', 'lib', 'contracts', 'spark-args.json');

export function loadSparkArgsContract(path = SPARK_ARGS_PATH): SparkArgsContract {
  if (!existsSync(path)) throw new CliError(`${path} is missing: it defines the Spark job's arguments`);
  return JSON.parse(readFileSync(path, 'utf8')) as SparkArgsContract;
}

/** The argument names the CLI passes; each must be declared in the contract (checked by sparkStepArgs). */
export const SPARK_ARG_NAMES = {
  date: '--date',
  rawUri: '--raw-uri',
  curatedUri: '--curated-uri',
  quarantineUri: '--quarantine-uri',
  analyticsUri: '--analytics-uri',
  viewTable: '--view-table',
  region: '--region',
} as const;

export interface SparkStepInput {
  readonly day: string;
  readonly rawBucket: string;
  readonly curatedBucket: string;
  readonly analyticsBucket: string;
  readonly viewTable: string;
  readonly region: string;
  /** S3 URI of jobs/spark/entrypoint.py as uploaded by the deployment. */
  readonly entrypoint: string;
  /** S3 URI of the zipped streamlake_spark package (spark-submit --py-files). */
  readonly pyFiles?: string;
}

/**
 * The spark-submit command line of the daily job: argument names and Spark settings from the contract,
 * roots from the lake layout of the shared brief (each root holds the dt=YYYY-MM-DD partitions).
 */
export function sparkStepArgs(
  input: SparkStepInput,
  contract: SparkArgsContract = loadSparkArgsContract(),
): string[] {
  const a = SPARK_ARG_NAMES;
  const values: [string, string][] = [
    [a.date, input.day],
    [a.rawUri, `s3://${input.rawBucket}/raw/events`],
    [a.curatedUri, `s3://${input.curatedBucket}/curated/events`],
    [a.quarantineUri, `s3://${input.curatedBucket}/quarantine`],
    [a.analyticsUri, `s3://${input.analyticsBucket}/analytics`],
    [a.viewTable, input.viewTable],
    [a.region, input.region],
  ];
  const unknown = values.map(([k]) => k).filter((k) => !(k in contract.args));
  if (unknown.length > 0)
    throw new CliError(
      `spark-args.json does not declare ${unknown.join(', ')}: the CLI and the job disagree`,
    );
  const missing = Object.entries(contract.args)
    .filter(([k, v]) => v.required && !values.some(([name]) => name === k))
    .map(([k]) => k);
  if (missing.length > 0)
    throw new CliError(`spark-args.json requires ${missing.join(', ')}, which the CLI does not pass`);
  const conf = Object.entries(contract.job.sparkConf ?? {}).flatMap(([k, v]) => ['--conf', `${k}=${v}`]);
  return [
    'spark-submit',
    '--deploy-mode',
    'cluster',
    ...conf,
    ...(input.pyFiles ? ['--py-files', input.pyFiles] : []),
    input.entrypoint,
    ...values.flat(),
  ];
}

export async function addSparkStep(
  emr: Pick<EMRClient, 'send'>,
  clusterId: string,
  input: SparkStepInput,
): Promise<string> {
  const out = await emr.send(
    new AddJobFlowStepsCommand({
      JobFlowId: clusterId,
      Steps: [
        {
          Name: `streamlake-batch-${input.day}`,
          ActionOnFailure: 'CONTINUE',
          HadoopJarStep: { Jar: 'command-runner.jar', Args: sparkStepArgs(input) },
        },
      ],
    }),
  );
  const id = out.StepIds?.[0];
  if (!id) throw new CliError(`AddJobFlowSteps on ${clusterId} returned no step id`);
  return id;
}

export async function waitForStep(
  emr: Pick<EMRClient, 'send'>,
  clusterId: string,
  stepId: string,
  options: WaitOptions = {},
): Promise<{ status: string; reason?: string; elapsedMs: number }> {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  for (;;) {
    const d = await emr.send(new DescribeStepCommand({ ClusterId: clusterId, StepId: stepId }));
    const status = d.Step?.Status?.State ?? 'UNKNOWN';
    const elapsedMs = clock.now() - started;
    options.onPoll?.(status, elapsedMs);
    if (TERMINAL_EMR.has(status)) {
      const reason = d.Step?.Status?.FailureDetails?.Message ?? d.Step?.Status?.StateChangeReason?.Message;
      return { status, elapsedMs, ...(reason ? { reason } : {}) };
    }
    if (options.timeoutMs !== undefined && elapsedMs >= options.timeoutMs)
      throw new CliError(
        `gave up waiting after ${formatDuration(elapsedMs)}; step ${stepId} is still ${status}`,
        ExitCode.timedOut,
      );
    await clock.sleep(options.pollMs ?? 15_000);
  }
}

export async function listSparkSteps(emr: Pick<EMRClient, 'send'>, clusterId: string): Promise<BatchRun[]> {
  const out = await emr.send(new ListStepsCommand({ ClusterId: clusterId }));
  return (out.Steps ?? []).map((s) => {
    const dateAt = s.Config?.Args?.indexOf(SPARK_ARG_NAMES.date) ?? -1;
    return {
      id: s.Id ?? '?',
      day: dateAt >= 0 ? s.Config?.Args?.[dateAt + 1] : /(\d{4}-\d{2}-\d{2})/.exec(s.Name ?? '')?.[1],
      status: s.Status?.State ?? 'UNKNOWN',
      ...(s.Status?.Timeline?.StartDateTime ? { startedAt: s.Status.Timeline.StartDateTime } : {}),
      ...(s.Status?.Timeline?.EndDateTime ? { stoppedAt: s.Status.Timeline.EndDateTime } : {}),
    };
  });
}

export function isSuccess(status: string): boolean {
  return status === 'SUCCEEDED' || status === 'COMPLETED';
}
