/**
 * The batch layer, offline: one scheduled cycle as the deployed state machine runs it. The batch planner's own code
 * (`lambda/batch-planner`) reads the completion items in the local views table and lists the raw zone on moto, and
 * returns the days to run with their reasons; each planned day then runs, oldest first, on the chosen engine — the real
 * Spark job (spark-submit local[2], S3A on moto) or the MapReduce engine's handlers (`local/mapreduce`). A failed day is
 * recorded and the next day still runs, as in the state machines.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createPlannerHandler, type PlannerResult } from '../../lambda/batch-planner/handler';
import { addDays } from '../../lambda/batch-planner/plan';
import { LakePrefixes } from '../../lib/contracts/lake-layout';
import { MapReduceEnv } from '../../lib/contracts/mapreduce';
import type { Endpoints } from '../emulators';
import { type Deployment, functionWithEnv } from '../infra';
import { runSpark } from '../jobs';
import type { LogFiles } from '../logs';
import { runMapReduceDay } from '../mapreduce/executor';
import type { ProcessRegistry } from '../proc';
import type { LocalInfra } from '../templates';

export type BatchEngine = 'emr' | 'mapreduce';
export const BATCH_ENGINES: readonly BatchEngine[] = ['emr', 'mapreduce'];

/** The hour (UTC) of the local cycle's scheduled time: the configuration's default `batchScheduleHour`. */
const SCHEDULE_HOUR_UTC = '01:00:00.000Z';

export interface BatchDayRun {
  readonly day: string;
  /** Why the planner planned it (`lib/contracts/batch-planning.json` → `planReasons`). */
  readonly reasons: readonly string[];
  readonly ok: boolean;
  /** The Spark exit code, or the MapReduce engine's finish summary or error. */
  readonly detail: string;
  readonly log: string;
}

export interface BatchCycle {
  readonly engine: BatchEngine;
  /** The planner's output: target, days, reasons, late-data and missing days of the lookback. */
  readonly plan: PlannerResult;
  readonly days: readonly BatchDayRun[];
}

/** Where a cycle runs: the local views table and lake buckets, and the emulators' clients. */
export interface LocalBatchTarget {
  readonly ep: Endpoints;
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly table: string;
  readonly rawBucket: string;
  readonly curatedBucket: string;
  readonly analyticsBucket: string;
  /** The planner's lookback (`batchLateDataLookbackDays`, its function's `LOOKBACK_DAYS`). */
  readonly lookbackDays: number;
}

export type DayOutcome = Pick<BatchDayRun, 'ok' | 'detail' | 'log'>;
/** Runs one planned day on an engine. */
export type DayRunner = (day: string) => Promise<DayOutcome>;

export interface BatchCycleOptions {
  readonly engine: BatchEngine;
  /** A scheduled cycle for the day before this UTC instant (the schedule's `scheduledTime`). */
  readonly scheduledTime?: string;
  /** A run for this day only (`streamlake batch run --date`). */
  readonly date?: string;
  readonly reg: ProcessRegistry;
  readonly logs: LogFiles;
  readonly workDir: string;
  /** How each day runs. @default the engine's: {@link engineDayRunner} */
  readonly runDay?: DayRunner;
}

/** The deployment's batch target, with the lookback its template gives the planner. */
export function batchTarget(d: Deployment): LocalBatchTarget {
  return {
    ep: d.ep,
    s3: d.clients.s3,
    dynamodb: d.clients.dynamodb,
    table: d.table,
    rawBucket: d.rawBucket,
    curatedBucket: d.curatedBucket,
    analyticsBucket: d.analyticsBucket,
    lookbackDays: templateLookbackDays(d.infra),
  };
}

/** The engine the templates deploy: the MapReduce engine's functions, else EMR. */
export function templateBatchEngine(infra: LocalInfra): BatchEngine {
  return functionWithEnv(infra, [MapReduceEnv.rawBucket, MapReduceEnv.scratchBucket]) ? 'mapreduce' : 'emr';
}

/** The planner's lookback as the template configures it (its function's `LOOKBACK_DAYS`). */
export function templateLookbackDays(infra: LocalInfra): number {
  const id = functionWithEnv(infra, ['LOOKBACK_DAYS', 'RAW_PREFIX']);
  const value = id ? infra.functions[id]?.LOOKBACK_DAYS : undefined;
  if (value === undefined)
    throw new Error('the templates have no batch planner (a function with LOOKBACK_DAYS)');
  return Number(value);
}

/** The scheduled time of the cycle that processes `day` as D-1. */
export function scheduledTimeFor(day: string): string {
  return `${addDays(day, 1)}T${SCHEDULE_HOUR_UTC}`;
}

/** Plans with the planner's code against the local table and raw bucket, then runs each planned day, oldest first. */
export async function runBatchCycle(t: LocalBatchTarget, o: BatchCycleOptions): Promise<BatchCycle> {
  const planner = createPlannerHandler({
    env: {
      VIEW_TABLE_NAME: t.table,
      RAW_BUCKET_NAME: t.rawBucket,
      RAW_PREFIX: LakePrefixes.rawEvents,
      LOOKBACK_DAYS: t.lookbackDays,
    },
    doc: DynamoDBDocumentClient.from(t.dynamodb),
    s3: t.s3,
    now: Date.now,
  });
  const plan = await planner(o.date !== undefined ? { date: o.date } : { scheduledTime: o.scheduledTime });
  const runDay = o.runDay ?? engineDayRunner(t, o);
  const days: BatchDayRun[] = [];
  // One after the other, as the state machines run them; a failed day does not stop the next.
  for (const p of plan.plan) days.push({ day: p.day, reasons: p.reasons, ...(await runDay(p.day)) });
  return { engine: o.engine, plan, days };
}

/** The engine's own run of one day: the Spark job (spark-submit local[2]) or the MapReduce handlers. */
export function engineDayRunner(
  t: Pick<LocalBatchTarget, Exclude<keyof LocalBatchTarget, 'lookbackDays'>>,
  o: Pick<BatchCycleOptions, 'engine' | 'reg' | 'logs' | 'workDir'>,
): DayRunner {
  if (o.engine === 'emr')
    return async (day) => {
      const exit = await runSpark(o.reg, {
        workDir: o.workDir,
        ep: t.ep,
        day,
        rawBucket: t.rawBucket,
        curatedBucket: t.curatedBucket,
        analyticsBucket: t.analyticsBucket,
        viewTable: t.table,
        rawRoot: LakePrefixes.rawEvents.replace(/\/$/, ''),
      });
      return { ok: exit === 0, detail: `spark-submit exit ${exit}`, log: o.logs.path(`spark-${day}`) };
    };
  return async (day) => {
    const name = `mapreduce-${day}`;
    const log = o.logs.stream(name);
    try {
      const r = await runMapReduceDay({
        s3: t.s3,
        dynamodb: t.dynamodb,
        buckets: { raw: t.rawBucket, curated: t.curatedBucket, analytics: t.analyticsBucket },
        table: t.table,
        day,
        concurrency: 2,
        log: (line) => log.write(`${line}\n`),
      });
      const s = r.summary;
      return {
        ok: true,
        detail: `${s.rawObjects} raw object(s), ${s.curatedRows} curated, ${s.quarantinedRows} quarantined, ${s.viewItems} view items`,
        log: o.logs.path(name),
      };
    } catch (err) {
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      log.write(`failed: ${message}\n`);
      return { ok: false, detail: message, log: o.logs.path(name) };
    }
  };
}

/** One line for the report: the engine, then each planned day with its reasons and outcome. */
export function describeCycle(c: BatchCycle): string {
  const days = c.days.map((r) => `${r.day} (${r.reasons.join(', ')}) ${r.ok ? 'ok' : 'FAILED'}: ${r.detail}`);
  return `${c.engine} engine, planner lookback ${c.plan.lookbackDays} day(s), target ${c.plan.target}: ${days.join('; ') || 'no day planned'}`;
}
