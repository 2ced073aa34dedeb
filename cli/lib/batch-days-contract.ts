/**
 * Per-day batch state for `streamlake batch status`: for each of the last `days` days up to `toDay`, whether a batch
 * run completed it (the completion item `meta#batch` / `day#<day>`, lib/contracts/view-table.json), whether raw data
 * landed after that run (late data: more objects, more bytes, or a newer object than the run read), or whether it
 * has raw data and no completed run (missing), or none.
 *
 * The shape `cli/lib/batch-days.ts` (the batch planner's rules) exports; this reads the same items with the same
 * rules so that the command can call it until that module replaces it.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { LakePrefixes } from '../../lib/contracts/lake-layout';
import viewTable from '../../lib/contracts/view-table.json';
import { formatTable } from './query';

export type DayStateName = 'complete' | 'late_data' | 'missing' | 'no_data';

export interface BatchDay {
  readonly day: string;
  readonly state: DayStateName;
  readonly completedAt?: string;
  readonly engine?: string;
  readonly runId?: string;
  readonly events?: number;
  /** Raw objects and bytes of the day now. */
  readonly rawObjects: number;
  readonly rawBytes: number;
  /** late_data: what is new since the run. */
  readonly newObjects?: number;
  readonly newBytes?: number;
}

export interface BatchDaysInput {
  readonly viewTable: string;
  readonly rawBucket: string;
  /** The last day shown. */
  readonly toDay: string;
  readonly days: number;
}

const C = viewTable.batchCompletion;
const A = C.attributes;

function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

async function rawDay(s3: Pick<S3Client, 'send'>, bucket: string, day: string) {
  let objects = 0;
  let bytes = 0;
  let newest = '';
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: `${LakePrefixes.rawEvents}dt=${day}/`,
        ContinuationToken: token,
      }),
    );
    for (const o of page.Contents ?? []) {
      objects += 1;
      bytes += o.Size ?? 0;
      const t = o.LastModified?.toISOString() ?? '';
      if (t > newest) newest = t;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return { objects, bytes, newest };
}

/** The state of each of the `days` days that end with `toDay`, newest first. */
export async function batchDays(
  doc: Pick<DynamoDBDocumentClient, 'send'>,
  s3: Pick<S3Client, 'send'>,
  input: BatchDaysInput,
): Promise<BatchDay[]> {
  const fromDay = addDays(input.toDay, -(input.days - 1));
  const completions = new Map<string, Record<string, unknown>>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: input.viewTable,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :a AND :b',
        ExpressionAttributeNames: { '#pk': viewTable.partitionKey, '#sk': viewTable.sortKey },
        ExpressionAttributeValues: {
          ':pk': C.pk,
          ':a': C.skFormat.replace('{yyyy-MM-dd}', fromDay),
          ':b': C.skFormat.replace('{yyyy-MM-dd}', input.toDay),
        },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) completions.set(String(item[A.day]), item);
    start = page.LastEvaluatedKey;
  } while (start);
  const days = Array.from({ length: input.days }, (_, i) => addDays(input.toDay, -i));
  return Promise.all(
    days.map(async (day): Promise<BatchDay> => {
      const raw = await rawDay(s3, input.rawBucket, day);
      const c = completions.get(day);
      const base = { day, rawObjects: raw.objects, rawBytes: raw.bytes };
      if (!c) return { ...base, state: raw.objects > 0 ? 'missing' : 'no_data' };
      const read = { objects: Number(c[A.inputObjects] ?? 0), bytes: Number(c[A.inputBytes] ?? 0) };
      const late =
        raw.objects > read.objects ||
        raw.bytes > read.bytes ||
        raw.newest > String(c[A.inputLastModified] ?? '');
      return {
        ...base,
        state: late ? 'late_data' : 'complete',
        ...(c[A.completedAt] ? { completedAt: String(c[A.completedAt]) } : {}),
        ...(c[A.engine] ? { engine: String(c[A.engine]) } : {}),
        ...(c[A.runId] ? { runId: String(c[A.runId]) } : {}),
        ...(c[A.events] !== undefined ? { events: Number(c[A.events]) } : {}),
        ...(late
          ? {
              newObjects: Math.max(0, raw.objects - read.objects),
              newBytes: Math.max(0, raw.bytes - read.bytes),
            }
          : {}),
      };
    }),
  );
}

const MEANING: Record<DayStateName, string> = {
  complete: 'exact',
  late_data: 'late data since its run: served from batch without it until re-run',
  missing: 'no completed run: served from the speed view, provisional',
  no_data: 'no raw data',
};

export function renderBatchDays(rows: readonly BatchDay[]): string {
  if (rows.length === 0) return '(no days)';
  return formatTable(
    ['day', 'state', 'completed', 'engine', 'events', 'raw objects', 'raw bytes', 'meaning'],
    rows.map((r) => [
      r.day,
      r.state,
      r.completedAt ? r.completedAt.slice(0, 19).replace('T', ' ') : '',
      r.engine ?? '',
      r.events ?? '',
      r.rawObjects,
      r.rawBytes,
      r.state === 'late_data'
        ? `+${r.newObjects ?? 0} objects, +${r.newBytes ?? 0} bytes: ${MEANING[r.state]}`
        : MEANING[r.state],
    ]),
  );
}
