/**
 * The batch deadline check, pure: which UTC day the daily run should have completed by now, and which days of the
 * window up to it have no completion item although they should. The handler reads the completion items and which
 * days have raw objects, and publishes how many days are missing.
 */
import planning from '../../lib/contracts/batch-planning.json';
import { addDays, daysBetween } from '../batch-planner/plan';

const MS_PER_DAY = 86_400_000;
const MS_PER_HOUR = 3_600_000;

/** Longest window the check accepts, in days. */
export const MAX_WINDOW_DAYS = planning.limits.maxDeadlineWindowDays;

/**
 * The day the run before this check processed: the scheduler starts the batch `lagHours` before the check and the
 * batch processes the UTC day before its own start (the planner's scheduledDay).
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

/** The `windowDays` days that end with `expected`, oldest first. */
export function checkWindow(expected: string, windowDays: number): { fromDay: string; toDay: string } {
  if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > MAX_WINDOW_DAYS) {
    throw new Error(`windowDays is ${windowDays}: give a whole number from 1 to ${MAX_WINDOW_DAYS}`);
  }
  return { fromDay: addDays(expected, -(windowDays - 1)), toDay: expected };
}

/**
 * Days of the window whose deadline has passed without a completed batch run: the expected day when it has no
 * completion item (whether or not raw data arrived: no raw partition for yesterday is an ingestion problem), and each
 * older day of the window that has raw objects and no completion item (a failed run hidden by later successes, or a
 * day nobody ran). Older days without raw objects have nothing to compute and are not counted, so a new deployment
 * or a quiet day does not keep the alarm red.
 */
export function missingDays(
  expected: string,
  windowDays: number,
  completed: ReadonlySet<string>,
  withRawData: ReadonlySet<string>,
): string[] {
  const { fromDay, toDay } = checkWindow(expected, windowDays);
  return daysBetween(fromDay, toDay).filter(
    (day) => !completed.has(day) && (day === expected || withRawData.has(day)),
  );
}
