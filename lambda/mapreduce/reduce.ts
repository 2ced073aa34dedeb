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
  /**
   * The curated rows as columns (lake column names), sorted as the Spark job sorts each curated file: content_id,
   * type, occurred_at, event_id. Columns rather than row objects: a partition holds ~1.5 M events.
   */
  readonly curated: CuratedColumns;
  /** The round-2 shuffle file (partials partitioned by contentId, type, minute). */
  readonly shuffle: Buffer;
  readonly counts: { readonly input: number; readonly curated: number; readonly partials: number };
}

export type CuratedColumns = { readonly [K in keyof CuratedRow]: CuratedRow[K][] };

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
  const kept = [...first.values()];
  first.clear();
  // contentId, type and eventId are ASCII (the contract's patterns), where UTF-16 order is code-point order; valid
  // occurredAt texts all have one fixed UTC format, so their text order is their time order.
  kept.sort((a, b) => ascii(a[3], b[3]) || ascii(a[1], b[1]) || ascii(a[4], b[4]) || ascii(a[0], b[0]));
  const n = kept.length;
  const curated: CuratedColumns = {
    event_id: new Array(n),
    type: new Array(n),
    user_id: new Array(n),
    content_id: new Array(n),
    occurred_at: new Array(n),
    region: new Array(n),
    device: new Array(n),
    watch_seconds: new Array(n),
    minute: new Array(n),
  };
  const partials = new Map<string, CountRecord>();
  for (let i = 0; i < n; i++) {
    const r = kept[i];
    const minute = minuteOf(r[4]);
    curated.event_id[i] = r[0];
    curated.type[i] = r[1];
    curated.user_id[i] = r[2];
    curated.content_id[i] = r[3];
    curated.occurred_at[i] = Date.parse(r[4]);
    curated.region[i] = r[5];
    curated.device[i] = r[6];
    curated.watch_seconds[i] = r[7];
    curated.minute[i] = minute;
    const key = r[3] + SEP + r[1] + SEP + minute;
    const partial = partials.get(key);
    if (partial === undefined) partials.set(key, [r[3], r[1], minute, 1, r[7] ?? 0]);
    else {
      partial[3] += 1;
      partial[4] += r[7] ?? 0;
    }
  }
  const writer = new ShuffleWriter(countPartitions);
  for (const p of partials.values())
    writer.add(partitionOf(countPartitions, p[0], p[1], p[2]), JSON.stringify(p));
  const counts = { input, curated: n, partials: partials.size };
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
