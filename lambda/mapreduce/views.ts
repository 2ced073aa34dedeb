/**
 * The batch view and the day's completion item in the views table (`lib/contracts/view-table.json`). View items are
 * PUTs of exact totals keyed by (pk, sk), as the Spark job writes them, so a re-run overwrites and never adds.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { MAPREDUCE_ENGINE } from '../../lib/contracts/mapreduce';
import viewTable from '../../lib/contracts/view-table.json';
import type { DayRow, MinuteRow } from './records';
import { mapLimit } from './store';

export type ViewItem = Record<string, string | number>;

export interface ViewStore {
  /** PUTs every item (any order); retries until each is written. */
  put(items: readonly ViewItem[]): Promise<void>;
  /** PUTs one item (the completion item, written after every view item of the day). */
  putOne(item: ViewItem): Promise<void>;
}

const A = viewTable.attributes;
const pk = (content: string, type: string) => `${viewTable.views.batch}#${content}#${type}`;

export function minuteItems(rows: readonly MinuteRow[], updatedAt: string): ViewItem[] {
  return rows.map((r) => ({
    [viewTable.partitionKey]: pk(r.content_id, r.type),
    [viewTable.sortKey]: `m#${r.minute}`,
    [A.count]: r.event_count,
    [A.watchSeconds]: r.watch_seconds,
    [A.bucketStart]: `${r.minute}:00.000Z`,
    [A.updatedAt]: updatedAt,
  }));
}

export function dayItems(rows: readonly DayRow[], updatedAt: string): ViewItem[] {
  return rows.map((r) => ({
    [viewTable.partitionKey]: pk(r.content_id, r.type),
    [viewTable.sortKey]: `d#${r.day}`,
    [A.count]: r.event_count,
    [A.watchSeconds]: r.watch_seconds,
    [A.bucketStart]: `${r.day}T00:00:00.000Z`,
    [A.updatedAt]: updatedAt,
  }));
}

export interface CompletionInput {
  readonly day: string;
  readonly completedAt: string;
  readonly runId: string;
  readonly inputListedAt: string;
  readonly inputObjects: number;
  readonly inputBytes: number;
  readonly inputLastModified: string;
  readonly events: number;
}

/** The day's completion item, exactly per the contract (`batchCompletion`). */
export function completionItem(c: CompletionInput): ViewItem {
  const bc = viewTable.batchCompletion;
  const at = bc.attributes;
  return {
    [viewTable.partitionKey]: bc.pk,
    [viewTable.sortKey]: bc.skFormat.replace('{yyyy-MM-dd}', c.day),
    [at.day]: c.day,
    [at.completedAt]: c.completedAt,
    [at.engine]: MAPREDUCE_ENGINE,
    [at.runId]: c.runId,
    [at.inputListedAt]: c.inputListedAt,
    [at.inputObjects]: c.inputObjects,
    [at.inputBytes]: c.inputBytes,
    [at.inputLastModified]: c.inputLastModified,
    [at.events]: c.events,
  };
}

/** BatchWriteItem takes at most 25 items. */
const BATCH = 25;
const MAX_ATTEMPTS = 10;

export interface DynamoViewStoreOptions {
  /** Batches in flight at once (the table's write capacity is shared with the speed layer). @default 1 */
  readonly concurrency?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class DynamoViewStore implements ViewStore {
  private readonly concurrency: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly documents: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly table: string,
    options: DynamoViewStoreOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 1;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async put(items: readonly ViewItem[]): Promise<void> {
    const batches: ViewItem[][] = [];
    for (let i = 0; i < items.length; i += BATCH) batches.push(items.slice(i, i + BATCH));
    await mapLimit(batches, this.concurrency, (batch) => this.write(batch));
  }

  async putOne(item: ViewItem): Promise<void> {
    await this.documents.send(new PutCommand({ TableName: this.table, Item: item }));
  }

  /** One batch, with unprocessed items (throttling) retried after an exponential, jittered pause. */
  private async write(batch: ViewItem[]): Promise<void> {
    let pending = batch.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > MAX_ATTEMPTS)
        throw new Error(
          `${pending.length} batch-view items still unprocessed after ${MAX_ATTEMPTS} attempts`,
        );
      const out = await this.documents.send(
        new BatchWriteCommand({ RequestItems: { [this.table]: pending } }),
      );
      pending = (out.UnprocessedItems?.[this.table] ?? []) as typeof pending;
      if (pending.length > 0) await this.sleep(Math.random() * Math.min(5000, 50 * 2 ** attempt));
    }
  }
}
