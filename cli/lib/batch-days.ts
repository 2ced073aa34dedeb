/**
 * `streamlake batch status`, per day: which recent days have a completed batch run, and which have late data (raw
 * objects written after their run) or none. The same rules and reads as the planner (lambda/batch-planner), so what
 * this shows is what the next scheduled execution will re-run. Clients are injected (tests use aws-sdk-client-mock).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { addDays, type DayStateName, dayState, daysBetween } from '../../lambda/batch-planner/plan';
import { listRawDays, readCompletions } from '../../lambda/batch-planner/store';
import { LakePrefixes } from '../../lib/contracts/lake-layout';
import { formatTable } from './query';

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
  /** The last day shown (yesterday, UTC). */
  readonly toDay: string;
  readonly days: number;
}

/** The state of each of the `days` days that end with `toDay`, newest first. */
export async function batchDays(
  doc: Pick<DynamoDBDocumentClient, 'send'>,
  s3: Pick<S3Client, 'send'>,
  input: BatchDaysInput,
): Promise<BatchDay[]> {
  const fromDay = addDays(input.toDay, -(input.days - 1));
  const days = daysBetween(fromDay, input.toDay);
  const [completions, raw] = await Promise.all([
    readCompletions(doc, input.viewTable, fromDay, input.toDay),
    listRawDays(s3, input.rawBucket, LakePrefixes.rawEvents, days),
  ]);
  return days.reverse().map((day): BatchDay => {
    const s = dayState(day, completions.get(day), raw.get(day));
    const c = s.completion;
    return {
      day,
      state: s.state,
      ...(c?.completedAt ? { completedAt: c.completedAt } : {}),
      ...(c?.engine ? { engine: c.engine } : {}),
      ...(c?.runId ? { runId: c.runId } : {}),
      ...(c?.eventCount !== undefined ? { events: c.eventCount } : {}),
      rawObjects: s.raw?.objects ?? 0,
      rawBytes: s.raw?.bytes ?? 0,
      ...(s.lateData ? { newObjects: s.lateData.newObjects, newBytes: s.lateData.newBytes } : {}),
    };
  });
}

const MEANING: Record<DayStateName, string> = {
  complete: 'exact',
  late_data: 'late data since its run: served from batch without it until re-run (next scheduled execution)',
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
      r.state === 'late_data' ? `${lateSummary(r)}: ${MEANING[r.state]}` : MEANING[r.state],
    ]),
  );
}

function lateSummary(r: BatchDay): string {
  if (!r.newObjects && !r.newBytes) return 'objects rewritten';
  return `+${r.newObjects ?? 0} objects, +${r.newBytes ?? 0} bytes`;
}
