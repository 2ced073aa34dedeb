/**
 * The independent reference: aggregates computed from what the generator says it produced (its ground truth), not
 * from anything the pipeline wrote. Dedup by eventId (first occurrence wins), malformed records excluded, UTC buckets.
 */
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import viewTable from '../lib/contracts/view-table.json';

export interface Aggregate {
  readonly contentId: string;
  readonly type: string;
  /** `yyyy-MM-ddTHH:mm` for minute rows, `yyyy-MM-dd` for day rows. */
  readonly bucket: string;
  count: number;
  watchSeconds: number;
}

export interface TruthEvent {
  readonly eventId: string;
  readonly type: string;
  readonly contentId: string;
  readonly occurredAt: string;
  readonly watchSeconds?: number;
}

export type Grain = 'minute' | 'day';

const keyOf = (a: { contentId: string; type: string; bucket: string }) =>
  `${a.contentId}\u0000${a.type}\u0000${a.bucket}`;

export function bucketOf(occurredAt: string, grain: Grain): string {
  return grain === 'minute' ? occurredAt.slice(0, 16) : occurredAt.slice(0, 10);
}

/** Aggregates events (in arrival order) by contentId, type and bucket. */
export function aggregate(events: Iterable<TruthEvent>, grain: Grain): Map<string, Aggregate> {
  const seen = new Set<string>();
  const out = new Map<string, Aggregate>();
  for (const e of events) {
    if (seen.has(e.eventId)) continue;
    seen.add(e.eventId);
    const a = {
      contentId: e.contentId,
      type: e.type,
      bucket: bucketOf(e.occurredAt, grain),
      count: 0,
      watchSeconds: 0,
    };
    const k = keyOf(a);
    const cur = out.get(k) ?? a;
    cur.count += 1;
    cur.watchSeconds += e.watchSeconds ?? 0;
    out.set(k, cur);
  }
  return out;
}

/** Rolls minute rows up into day rows (used for the Flink view, which only has minute rows). */
export function rollUpToDays(minutes: Iterable<Aggregate>): Map<string, Aggregate> {
  const out = new Map<string, Aggregate>();
  for (const m of minutes) {
    const a = {
      contentId: m.contentId,
      type: m.type,
      bucket: m.bucket.slice(0, 10),
      count: 0,
      watchSeconds: 0,
    };
    const cur = out.get(keyOf(a)) ?? a;
    cur.count += m.count;
    cur.watchSeconds += m.watchSeconds;
    out.set(keyOf(a), cur);
  }
  return out;
}

export function filterDay(rows: Map<string, Aggregate>, day: string): Map<string, Aggregate> {
  return new Map([...rows].filter(([, a]) => a.bucket.startsWith(day)));
}

export interface Diff {
  readonly key: string;
  readonly expected?: { count: number; watchSeconds: number };
  readonly actual?: { count: number; watchSeconds: number };
}

/** Every bucket where `actual` differs from `expected` (missing, extra, or other totals). */
export function diff(expected: Map<string, Aggregate>, actual: Map<string, Aggregate>): Diff[] {
  const out: Diff[] = [];
  for (const k of new Set([...expected.keys(), ...actual.keys()])) {
    const e = expected.get(k);
    const a = actual.get(k);
    if (e?.count !== a?.count || e?.watchSeconds !== a?.watchSeconds) {
      out.push({
        key: k.replaceAll('\u0000', '#'),
        expected: e && { count: e.count, watchSeconds: e.watchSeconds },
        actual: a && { count: a.count, watchSeconds: a.watchSeconds },
      });
    }
  }
  return out.sort((x, y) => x.key.localeCompare(y.key));
}

/** Speed-view rows may only over-count (at-least-once ADDs); returns the buckets where they under-count. */
export function underCounts(expected: Map<string, Aggregate>, actual: Map<string, Aggregate>): Diff[] {
  return diff(expected, actual).filter(
    (d) =>
      (d.actual?.count ?? 0) < (d.expected?.count ?? 0) ||
      (d.actual?.watchSeconds ?? 0) < (d.expected?.watchSeconds ?? 0),
  );
}

function n(v: AttributeValue | undefined): number {
  return v && 'N' in v && v.N !== undefined ? Number(v.N) : 0;
}
function s(v: AttributeValue | undefined): string {
  return v && 'S' in v && v.S !== undefined ? v.S : '';
}

/**
 * Reads one view's rows of one grain from the views table (key design: lib/contracts/view-table.json).
 * A full scan is fine for a local table; on AWS the serving API queries by key instead.
 */
export async function readView(
  ddb: DynamoDBClient,
  table: string,
  view: string,
  grain: Grain,
): Promise<Map<string, Aggregate>> {
  const out = new Map<string, Aggregate>();
  const pkName = viewTable.partitionKey;
  const skName = viewTable.sortKey;
  const skPrefix = (grain === 'minute' ? viewTable.minuteSortKeyFormat : viewTable.daySortKeyFormat).split(
    '{',
  )[0] as string;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await ddb.send(
      new ScanCommand({
        TableName: table,
        ExclusiveStartKey: start,
        FilterExpression: 'begins_with(#pk, :p) AND begins_with(#sk, :s)',
        ExpressionAttributeNames: { '#pk': pkName, '#sk': skName },
        ExpressionAttributeValues: { ':p': { S: `${view}#` }, ':s': { S: skPrefix } },
      }),
    );
    for (const item of page.Items ?? []) {
      const parts = s(item[pkName]).split('#');
      if (parts.length !== 3 || parts[0] !== view) continue;
      const a: Aggregate = {
        contentId: parts[1] as string,
        type: parts[2] as string,
        bucket: s(item[skName]).slice(skPrefix.length),
        count: n(item[viewTable.attributes.count]),
        watchSeconds: n(item[viewTable.attributes.watchSeconds]),
      };
      out.set(keyOf(a), a);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** Reads items whose partition key starts with `prefix` (e.g. Flink dead letters `deadletter#…`). */
export async function scanPrefix(
  ddb: DynamoDBClient,
  table: string,
  prefix: string,
): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await ddb.send(
      new ScanCommand({
        TableName: table,
        ExclusiveStartKey: start,
        FilterExpression: 'begins_with(#pk, :p)',
        ExpressionAttributeNames: { '#pk': viewTable.partitionKey },
        ExpressionAttributeValues: { ':p': { S: prefix } },
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
