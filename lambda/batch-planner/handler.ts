import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import planning from '../../lib/contracts/batch-planning.json';
import {
  daysBetween,
  lookbackWindow,
  MAX_LOOKBACK_DAYS,
  type Plan,
  planDays,
  planRequested,
  scheduledDay,
} from './plan';
import { listRawDays, readCompletions } from './store';

/**
 * The planner's input. EventBridge Scheduler's schedule starts the engine's state machine with `{scheduledTime}`, a
 * person with `{date}` (`streamlake batch run --date`); the state machine adds its own start time, used when neither
 * is given. JSONata leaves absent fields out, so each is optional.
 */
export interface PlannerEvent {
  readonly date?: string;
  readonly scheduledTime?: string;
  readonly startTime?: string;
}

/** The planner's output, what the state machine maps over: `days`. */
export type PlannerResult = Omit<Plan, 'states'> & {
  /** Days of the lookback (before the target) with late data, and what is new. */
  readonly lateData: readonly {
    day: string;
    newObjects: number;
    newBytes: number;
    rules: readonly string[];
  }[];
  /** Days of the lookback (before the target) with raw objects and no completed run. */
  readonly missing: readonly string[];
};

export const plannerEnvSchema = z.object({
  VIEW_TABLE_NAME: z.string().min(3),
  RAW_BUCKET_NAME: z.string().min(3),
  /** Key prefix of the raw events, holding dt=YYYY-MM-DD/ (lib/contracts/lake-layout.ts). */
  RAW_PREFIX: z.string().endsWith('/'),
  LOOKBACK_DAYS: z.coerce.number().int().min(0).max(MAX_LOOKBACK_DAYS),
});
export type PlannerEnv = z.output<typeof plannerEnvSchema>;

export interface PlannerDeps {
  readonly env: PlannerEnv;
  readonly doc: Pick<DynamoDBDocumentClient, 'send'>;
  readonly s3: Pick<S3Client, 'send'>;
  readonly now: () => number;
  /** Called with each plan (metrics and logs). */
  readonly onPlan?: (result: PlannerResult) => void;
}

/** The planner logic behind the Lambda handler: read, plan, report. */
export function createPlannerHandler(deps: PlannerDeps): (event: PlannerEvent) => Promise<PlannerResult> {
  const { env } = deps;
  return async (event) => {
    let plan: Plan;
    if (event?.date !== undefined) plan = planRequested(event.date, env.LOOKBACK_DAYS);
    else {
      const at = event?.scheduledTime ?? event?.startTime ?? new Date(deps.now()).toISOString();
      const { fromDay, toDay } = lookbackWindow(scheduledDay(at), env.LOOKBACK_DAYS);
      const [completions, raw] = await Promise.all([
        readCompletions(deps.doc, env.VIEW_TABLE_NAME, fromDay, toDay),
        listRawDays(deps.s3, env.RAW_BUCKET_NAME, env.RAW_PREFIX, daysBetween(fromDay, toDay)),
      ]);
      plan = planDays(at, completions, raw, { lookbackDays: env.LOOKBACK_DAYS });
    }
    const { states, ...rest } = plan;
    // The scheduled day runs anyway: what is reported (and alarmed on) is about the days before it.
    const lookback = states.filter((s) => s.day !== plan.target);
    const result: PlannerResult = {
      ...rest,
      lateData: lookback
        .filter((s) => s.state === planning.dayStates.lateData && s.lateData)
        .map((s) => ({
          day: s.day,
          newObjects: s.lateData?.newObjects ?? 0,
          newBytes: s.lateData?.newBytes ?? 0,
          rules: s.lateData?.rules ?? [],
        })),
      missing: lookback.filter((s) => s.state === planning.dayStates.missing).map((s) => s.day),
    };
    deps.onPlan?.(result);
    return result;
  };
}
