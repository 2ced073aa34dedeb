/**
 * The batch deadline check, pure: which UTC day the daily run should have completed by now, and how many days the
 * batch watermark (`lastCompletedDay`) is behind it. The handler reads the watermark and publishes the result.
 */

/** The metric the batch layer alarms on (lib/constructs/batch/batch-deadline.ts reads the same names). */
export const DEADLINE_METRIC = {
  namespace: 'streamlake',
  service: 'batch-deadline',
  name: 'BatchDaysBehind',
} as const;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MS_PER_DAY = 86_400_000;
const MS_PER_HOUR = 3_600_000;

/**
 * The day the run before this check processed: the scheduler starts the batch `lagHours` before the check and the
 * batch processes the UTC day before its own start (same rule as the state machine's ResolveDate state).
 */
export function expectedDay(checkTime: string, lagHours: number): string {
  const at = Date.parse(checkTime);
  if (Number.isNaN(at))
    throw new Error(`scheduledTime ${JSON.stringify(checkTime)} is not an ISO-8601 instant`);
  if (!Number.isInteger(lagHours) || lagHours < 1 || lagHours > 23) {
    throw new Error(
      `lagHours is ${lagHours}: give the hours between the batch schedule and the deadline (1-23)`,
    );
  }
  return new Date(at - lagHours * MS_PER_HOUR - MS_PER_DAY).toISOString().slice(0, 10);
}

/** Whole days from `lastCompletedDay` to `expected`, never negative; a missing or unreadable watermark is 1 day behind. */
export function daysBehind(expected: string, lastCompletedDay: unknown): number {
  if (!DAY.test(expected)) throw new Error(`expected day ${expected} is not yyyy-MM-dd`);
  if (typeof lastCompletedDay !== 'string' || !DAY.test(lastCompletedDay)) return 1;
  const last = Date.parse(`${lastCompletedDay}T00:00:00Z`);
  if (Number.isNaN(last)) return 1;
  const diff = Math.round((Date.parse(`${expected}T00:00:00Z`) - last) / MS_PER_DAY);
  return Math.max(0, diff);
}
