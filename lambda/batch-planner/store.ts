/**
 * What the planner, the deadline check and `streamlake batch status` read: the completion items of a range of days
 * (one consistent Query of partition `meta#batch`) and the raw zone's listing of those days. Clients are passed in.
 */
import { paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { type DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import viewTable from '../../lib/contracts/view-table.json';
import type { Completion, RawDay } from './plan';

const { partitionKey: PK, sortKey: SK, batchCompletion: C } = viewTable;
const SK_PREFIX = C.skFormat.split('{')[0];
const A = C.attributes;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The completion items of the days from `fromDay` to `toDay`, both included, by day. */
export async function readCompletions(
  doc: Pick<DynamoDBDocumentClient, 'send'>,
  tableName: string,
  fromDay: string,
  toDay: string,
): Promise<Map<string, Completion>> {
  const completions = new Map<string, Completion>();
  const pages = paginateQuery(
    { client: doc as DynamoDBDocumentClient },
    {
      TableName: tableName,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: {
        ':pk': C.pk,
        ':from': `${SK_PREFIX}${fromDay}`,
        ':to': `${SK_PREFIX}${toDay}`,
      },
      ConsistentRead: true,
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const day = String(item[SK]).slice(SK_PREFIX.length);
      if (!DAY.test(day)) continue;
      completions.set(day, completionOf(day, item));
    }
  }
  return completions;
}

/**
 * A completion item as the planner reads it. A missing or unreadable input attribute reads as "nothing read" (0, or
 * an unreadable time), so the day shows late data and is re-run, which writes a whole item again.
 */
export function completionOf(day: string, item: Record<string, unknown>): Completion {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const optional = (key: string, v: unknown) => (v === undefined ? {} : { [key]: v });
  return {
    day,
    inputObjects: num(item[A.inputObjects]),
    inputBytes: num(item[A.inputBytes]),
    inputLastModified: str(item[A.inputLastModified]) ?? '',
    ...optional('completedAt', str(item[A.completedAt])),
    ...optional('engine', str(item[A.engine])),
    ...optional('runId', str(item[A.runId])),
    ...optional('eventCount', typeof item[A.events] === 'number' ? item[A.events] : undefined),
  };
}

/** Lists `<rawPrefix>dt=<day>/` for each day (every page); days without any object are absent from the result. */
export async function listRawDays(
  s3: Pick<S3Client, 'send'>,
  bucket: string,
  rawPrefix: string,
  days: readonly string[],
): Promise<Map<string, RawDay>> {
  const listed = await Promise.all(
    days.map(async (day): Promise<RawDay> => {
      let objects = 0;
      let bytes = 0;
      let lastModifiedMs = 0;
      for await (const page of paginateListObjectsV2(
        { client: s3 as S3Client },
        { Bucket: bucket, Prefix: `${rawPrefix}dt=${day}/` },
      )) {
        for (const o of page.Contents ?? []) {
          objects += 1;
          bytes += o.Size ?? 0;
          lastModifiedMs = Math.max(lastModifiedMs, o.LastModified?.getTime() ?? 0);
        }
      }
      return { day, objects, bytes, lastModifiedMs };
    }),
  );
  return new Map(listed.filter((d) => d.objects > 0).map((d) => [d.day, d]));
}

/**
 * The days from `fromDay` to `toDay` that have a raw partition, from one delimited listing of `<rawPrefix>dt=`
 * (S3 returns only keys, so a partition is there exactly when it holds an object).
 */
export async function rawDaysPresent(
  s3: Pick<S3Client, 'send'>,
  bucket: string,
  rawPrefix: string,
  fromDay: string,
  toDay: string,
): Promise<Set<string>> {
  const days = new Set<string>();
  const base = `${rawPrefix}dt=`;
  // StartAfter is exclusive: `…dt=<fromDay>` sorts just before every key of that day's partition.
  for await (const page of paginateListObjectsV2(
    { client: s3 as S3Client },
    { Bucket: bucket, Prefix: base, Delimiter: '/', StartAfter: `${base}${fromDay}` },
  )) {
    for (const p of page.CommonPrefixes ?? []) {
      const day = (p.Prefix ?? '').slice(base.length, base.length + 10);
      if (!DAY.test(day)) continue;
      if (day > toDay) return days;
      if (day >= fromDay) days.add(day);
    }
  }
  return days;
}
