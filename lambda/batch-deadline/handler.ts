import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { rawDaysPresent, readCompletions } from '../batch-planner/store';
import { checkWindow, expectedDay, MAX_WINDOW_DAYS, missingDays } from './check';

export const deadlineEnvSchema = z.object({
  VIEW_TABLE_NAME: z.string().min(3),
  RAW_BUCKET_NAME: z.string().min(3),
  RAW_PREFIX: z.string().endsWith('/'),
  /** Hours between the batch schedule and this check (1-23). */
  SCHEDULE_LAG_HOURS: z.coerce.number().int().min(1).max(23),
  /** Days checked, ending with the expected day. */
  WINDOW_DAYS: z.coerce.number().int().min(1).max(MAX_WINDOW_DAYS),
});
export type DeadlineEnv = z.output<typeof deadlineEnvSchema>;

export interface DeadlineResult {
  readonly expected: string;
  readonly window: { readonly fromDay: string; readonly toDay: string };
  /** Days past their deadline without a completed batch run, oldest first. */
  readonly missing: readonly string[];
}

export interface DeadlineDeps {
  readonly env: DeadlineEnv;
  readonly doc: Pick<DynamoDBDocumentClient, 'send'>;
  readonly s3: Pick<S3Client, 'send'>;
  readonly now: () => number;
  readonly onResult?: (result: DeadlineResult) => void;
}

/** Run by EventBridge Scheduler at the deadline with `{"scheduledTime": "<aws.scheduler.scheduled-time>"}`. */
export function createDeadlineHandler(
  deps: DeadlineDeps,
): (event: { scheduledTime?: string }) => Promise<DeadlineResult> {
  const { env } = deps;
  return async (event) => {
    const expected = expectedDay(
      event?.scheduledTime ?? new Date(deps.now()).toISOString(),
      env.SCHEDULE_LAG_HOURS,
    );
    const window = checkWindow(expected, env.WINDOW_DAYS);
    const [completions, withRawData] = await Promise.all([
      readCompletions(deps.doc, env.VIEW_TABLE_NAME, window.fromDay, window.toDay),
      rawDaysPresent(deps.s3, env.RAW_BUCKET_NAME, env.RAW_PREFIX, window.fromDay, window.toDay),
    ]);
    const result: DeadlineResult = {
      expected,
      window,
      missing: missingDays(expected, env.WINDOW_DAYS, new Set(completions.keys()), withRawData),
    };
    deps.onResult?.(result);
    return result;
  };
}
