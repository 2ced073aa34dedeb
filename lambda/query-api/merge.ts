import { VIEW_TABLE } from './contract';
import type { Granularity } from './request';
import { daysBetween } from './time';

/** Which layer served a point. In the kappa architecture every point comes from the streaming (Flink) view: `speed`. */
export type ServingLayer = 'batch' | 'speed';

/** One row of a view, as stored: the sort key and the two aggregates. */
export interface ViewRow {
  readonly sk: string;
  readonly eventCount: number;
  readonly watchSeconds: number;
}

export interface Point {
  /** The bucket: `yyyy-MM-ddTHH:mm` (minute) or `yyyy-MM-dd` (day). */
  readonly bucket: string;
  readonly count: number;
  readonly watchSeconds: number;
  readonly layer: ServingLayer;
  /**
   * Day points only: true when the figure is final. Batch days are final; a speed day is final only in the kappa
   * architecture once the stream can no longer change it; in the lambda architecture it is provisional until the
   * batch layer completes the day.
   */
  readonly complete?: boolean;
}

export interface MergeInput {
  readonly granularity: Granularity;
  /** Day buckets asked for, inclusive. */
  readonly fromDay: string;
  readonly toDay: string;
  /** Minute buckets asked for, inclusive (minute granularity; ignored for day granularity). */
  readonly fromMinute: string;
  readonly toMinute: string;
  /**
   * The days whose batch run completed (their completion item exists). Those days are served from the batch view
   * only, every other day from the speed view only. Empty: no batch run has completed (or kappa).
   */
  readonly batchDays: ReadonlySet<string>;
  /** Rows of the batch view: minute rows `m#…` for minute granularity, day rows `d#…` for day granularity. */
  readonly batchRows: readonly ViewRow[];
  /** Minute rows `m#…` of the speed view (the Lambda speed view or a Flink view). */
  readonly speedRows: readonly ViewRow[];
  /** Whether a speed day is final (day granularity). */
  readonly speedDayComplete: (day: string) => boolean;
}

const MINUTE_PREFIX = VIEW_TABLE.minuteSortKeyFormat.split('{')[0];
const DAY_PREFIX = VIEW_TABLE.daySortKeyFormat.split('{')[0];

/**
 * The merge rule of the lambda architecture, as a pure function. A day whose batch run completed is answered by the
 * batch view alone, any other day by the speed view alone: the two never add up, so an event is never counted twice,
 * and batch rows of a day the batch layer has not completed (a run in progress, or one that failed part-way) are
 * never served, whatever later days did. Speed rows of completed days are ignored until their TTL removes them.
 * Buckets without events are omitted. Points are sorted by bucket.
 */
export function mergePoints(input: MergeInput): Point[] {
  const batchDay = (day: string): boolean => input.batchDays.has(day);
  const points: Point[] = [];
  if (input.granularity === 'minute') {
    const inRange = (minute: string) => minute >= input.fromMinute && minute <= input.toMinute;
    for (const row of input.batchRows) {
      const minute = bucketOf(row, MINUTE_PREFIX);
      if (minute && inRange(minute) && batchDay(minute.slice(0, 10)))
        points.push(point(minute, row, 'batch'));
    }
    for (const row of input.speedRows) {
      const minute = bucketOf(row, MINUTE_PREFIX);
      if (minute && inRange(minute) && !batchDay(minute.slice(0, 10)))
        points.push(point(minute, row, 'speed'));
    }
  } else {
    const inRange = (day: string) => day >= input.fromDay && day <= input.toDay;
    for (const row of input.batchRows) {
      const day = bucketOf(row, DAY_PREFIX);
      if (day && inRange(day) && batchDay(day)) points.push({ ...point(day, row, 'batch'), complete: true });
    }
    // A speed day is the sum of its minute rows.
    const sums = new Map<string, { count: number; watchSeconds: number }>();
    for (const row of input.speedRows) {
      const minute = bucketOf(row, MINUTE_PREFIX);
      const day = minute?.slice(0, 10);
      if (!day || !inRange(day) || batchDay(day)) continue;
      const sum = sums.get(day) ?? { count: 0, watchSeconds: 0 };
      sum.count += row.eventCount;
      sum.watchSeconds += row.watchSeconds;
      sums.set(day, sum);
    }
    for (const [day, sum] of sums) {
      points.push({ bucket: day, ...sum, layer: 'speed', complete: input.speedDayComplete(day) });
    }
  }
  return points.sort((a, b) => (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : 0));
}

/** The span of days each layer answers, so only the rows a layer may serve are read. */
export interface LayerRanges {
  readonly batch?: { readonly fromDay: string; readonly toDay: string };
  readonly speed?: { readonly fromDay: string; readonly toDay: string };
}

/**
 * From the first to the last day each layer answers. Batch-complete days need not be contiguous (a failed day
 * between two completed ones): each layer then reads one span that covers its days, and {@link mergePoints} keeps
 * only the rows of the days that layer answers. One Query per layer and type, whatever the pattern of days.
 */
export function layerRanges(fromDay: string, toDay: string, batchDays: ReadonlySet<string>): LayerRanges {
  const days = daysBetween(fromDay, toDay);
  const span = (of: string[]) => (of.length > 0 ? { fromDay: of[0], toDay: of[of.length - 1] } : undefined);
  const batch = span(days.filter((d) => batchDays.has(d)));
  const speed = span(days.filter((d) => !batchDays.has(d)));
  return { ...(batch ? { batch } : {}), ...(speed ? { speed } : {}) };
}

/**
 * The last day D of the range such that every day from the first one to D is batch-complete, or undefined when the
 * first day is not. A client that treats the days up to this one as final is right; the days after it may still
 * hold final days (see the per-day status).
 */
export function batchCompleteThrough(
  fromDay: string,
  toDay: string,
  batchDays: ReadonlySet<string>,
): string | undefined {
  let through: string | undefined;
  for (const day of daysBetween(fromDay, toDay)) {
    if (!batchDays.has(day)) break;
    through = day;
  }
  return through;
}

function bucketOf(row: ViewRow, prefix: string): string | undefined {
  return row.sk.startsWith(prefix) ? row.sk.slice(prefix.length) : undefined;
}

function point(bucket: string, row: ViewRow, layer: ServingLayer): Point {
  return { bucket, count: row.eventCount, watchSeconds: row.watchSeconds, layer };
}
