import type { EventType } from '../../../lambda/query-api/contract';
import type { ViewRow } from '../../../lambda/query-api/merge';
import type { ViewsReader } from '../../../lambda/query-api/views';
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
    /** null: no batch run has completed. */
    private readonly watermark: string | null = fixture.watermark,
  ) {}

  async batchWatermark(): Promise<string | undefined> {
    return this.watermark ?? undefined;
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
