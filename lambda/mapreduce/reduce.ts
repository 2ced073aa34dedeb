/**
 * The two reduce rounds, as chained Hadoop jobs would run them:
 * - round 1, keyed by eventId: keep the first-written copy of each event (smallest source object, then line: the
 *   Spark job's rule), emit the curated rows, and combine per (contentId, type, minute) before shuffling again
 *   (a combiner, like Spark's partial aggregate);
 * - round 2, keyed by (contentId, type, minute): sum the partials into the minute counts, and roll them up per
 *   (contentId, type) for the day.
 * The final step sums the day partials and ranks the top content.
 */
import { minuteOf } from '../../lib/contracts/event';
import { partitionOf } from './hash';
import {
  type CountRecord,
  type CuratedRow,
  compareText,
  type DayPartial,
  type DayRow,
  type EventRecord,
  type MinuteRow,
  type TopRow,
} from './records';
import { ShuffleWriter } from './shuffle';

export interface EventsReduced {
  /** Sorted as the Spark job sorts each curated file: content_id, type, occurred_at, event_id. */
  readonly curated: CuratedRow[];
  /** The round-2 shuffle file (partials partitioned by contentId, type, minute). */
  readonly shuffle: Buffer;
  readonly counts: { readonly input: number; readonly curated: number; readonly partials: number };
}

const SEP = '\u0000';

const ascii = (a: string, b: string) => (a === b ? 0 : a < b ? -1 : 1);

/** Round 1 over every record of one eventId partition (from all map outputs, in any order). */
export function reduceEvents(
  batches: Iterable<readonly EventRecord[]>,
  countPartitions: number,
): EventsReduced {
  const first = new Map<string, EventRecord>();
  let input = 0;
  for (const records of batches) {
    input += records.length;
    for (const r of records) {
      const seen = first.get(r[0]);
      if (seen === undefined || r[8] < seen[8] || (r[8] === seen[8] && r[9] < seen[9])) first.set(r[0], r);
    }
  }
  const curated: CuratedRow[] = [];
  const partials = new Map<string, CountRecord>();
  for (const r of first.values()) {
    const minute = minuteOf(r[4]);
    curated.push({
      event_id: r[0],
      type: r[1],
      user_id: r[2],
      content_id: r[3],
      occurred_at: Date.parse(r[4]),
      region: r[5],
      device: r[6],
      watch_seconds: r[7],
      minute,
    });
    const key = r[3] + SEP + r[1] + SEP + minute;
    const partial = partials.get(key);
    if (partial === undefined) partials.set(key, [r[3], r[1], minute, 1, r[7] ?? 0]);
    else {
      partial[3] += 1;
      partial[4] += r[7] ?? 0;
    }
  }
  // content_id, type and event_id are ASCII (the contract's patterns), where UTF-16 order is code-point order.
  curated.sort(
    (a, b) =>
      ascii(a.content_id, b.content_id) ||
      ascii(a.type, b.type) ||
      a.occurred_at - b.occurred_at ||
      ascii(a.event_id, b.event_id),
  );
  const writer = new ShuffleWriter(countPartitions);
  for (const p of partials.values())
    writer.add(partitionOf(countPartitions, p[0], p[1], p[2]), JSON.stringify(p));
  const counts = { input, curated: curated.length, partials: partials.size };
  return { curated, shuffle: writer.finish(counts), counts };
}

export interface CountsReduced {
  /** Sorted by content_id, type, minute. */
  readonly minutes: MinuteRow[];
  readonly dayPartials: DayPartial[];
}

/** Round 2 over every partial of one (contentId, type, minute) partition. */
export function reduceCounts(batches: Iterable<readonly CountRecord[]>): CountsReduced {
  const sums = new Map<string, CountRecord>();
  for (const records of batches) {
    for (const r of records) {
      const key = r[0] + SEP + r[1] + SEP + r[2];
      const sum = sums.get(key);
      if (sum === undefined) sums.set(key, [r[0], r[1], r[2], r[3], r[4]]);
      else {
        sum[3] += r[3];
        sum[4] += r[4];
      }
    }
  }
  const minutes: MinuteRow[] = [];
  const days = new Map<string, DayPartial>();
  for (const [content, type, minute, count, watch] of sums.values()) {
    minutes.push({ content_id: content, type, minute, event_count: count, watch_seconds: watch });
    const key = content + SEP + type;
    const day = days.get(key);
    if (day === undefined) days.set(key, [content, type, count, watch]);
    else {
      day[2] += count;
      day[3] += watch;
    }
  }
  minutes.sort(
    (a, b) =>
      compareText(a.content_id, b.content_id) ||
      compareText(a.type, b.type) ||
      compareText(a.minute, b.minute),
  );
  return { minutes, dayPartials: [...days.values()] };
}

/** The daily counts of day `day` from every round-2 reducer's day partials, sorted by content_id, type. */
export function dailyCounts(day: string, batches: Iterable<readonly DayPartial[]>): DayRow[] {
  const sums = new Map<string, DayPartial>();
  for (const records of batches) {
    for (const r of records) {
      const key = r[0] + SEP + r[1];
      const sum = sums.get(key);
      if (sum === undefined) sums.set(key, [r[0], r[1], r[2], r[3]]);
      else {
        sum[2] += r[2];
        sum[3] += r[3];
      }
    }
  }
  return [...sums.values()]
    .map(([content, type, count, watch]) => ({
      content_id: content,
      type,
      day,
      event_count: count,
      watch_seconds: watch,
    }))
    .sort((a, b) => ascii(a.content_id, b.content_id) || ascii(a.type, b.type));
}

/** The day's n content ids with the most events (all types), ties by watch time then id (the Spark job's rule). */
export function topContent(daily: readonly DayRow[], n: number): TopRow[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`top-n must be >= 1, got ${n}`);
  const per = new Map<string, { event_count: number; watch_seconds: number; views: number }>();
  for (const d of daily) {
    const c = per.get(d.content_id) ?? { event_count: 0, watch_seconds: 0, views: 0 };
    c.event_count += d.event_count;
    c.watch_seconds += d.watch_seconds;
    if (d.type === 'view_start') c.views += d.event_count;
    per.set(d.content_id, c);
  }
  return [...per.entries()]
    .sort(
      ([ia, a], [ib, b]) =>
        b.event_count - a.event_count || b.watch_seconds - a.watch_seconds || compareText(ia, ib),
    )
    .slice(0, n)
    .map(([content_id, c], i) => ({ rank: i + 1, content_id, ...c }));
}
