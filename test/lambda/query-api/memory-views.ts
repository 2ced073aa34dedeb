import type { EventType } from '../../../lambda/query-api/contract';
import type { ViewRow } from '../../../lambda/query-api/merge';
import type { BatchCompletion, ViewsReader } from '../../../lambda/query-api/views';
import fixture from './views.fixture.json';

export interface StoredRow {
  readonly pk: string;
  readonly sk: string;
  readonly eventCount: number;
  readonly watchSeconds: number;
}

/** An in-memory views table with the same read semantics as a DynamoDB Query (pk equality, sk BETWEEN). */
export class MemoryViews implements ViewsReader {
  /** Every partition read, in order, so tests can assert which views were touched. */
  readonly reads: string[] = [];

  constructor(
    private readonly stored: readonly StoredRow[] = fixture.rows,
    /** The days whose completion item exists. */
    private readonly completedDays: readonly string[] = fixture.completedDays,
  ) {}

  /** Every completion range read, so tests can assert what was asked. */
  readonly completionReads: string[] = [];

  async batchCompletions(fromDay: string, toDay: string): Promise<ReadonlyMap<string, BatchCompletion>> {
    this.completionReads.push(`${fromDay}..${toDay}`);
    return new Map(
      this.completedDays
        .filter((day) => day >= fromDay && day <= toDay)
        .map((day) => [day, { day, completedAt: COMPLETED_AT, engine: 'emr' }]),
    );
  }

  async rows(
    view: string,
    contentId: string,
    type: EventType,
    fromSk: string,
    toSk: string,
  ): Promise<ViewRow[]> {
    const pk = `${view}#${contentId}#${type}`;
    this.reads.push(pk);
    return this.stored
      .filter((r) => r.pk === pk && r.sk >= fromSk && r.sk <= toSk)
      .map(({ sk, eventCount, watchSeconds }) => ({ sk, eventCount, watchSeconds }));
  }
}

export const FIXTURE = fixture;

/** completedAt of every completion item of the in-memory table. */
export const COMPLETED_AT = '2026-11-22T01:30:00.000Z';
