import { type DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { type EventType, partitionKey, VIEW_TABLE } from './contract';
import type { ViewRow } from './merge';

/** What serving needs from a day's batch completion item (lib/contracts/view-table.json, batchCompletion). */
export interface BatchCompletion {
  readonly day: string;
  readonly completedAt?: string;
  readonly engine?: string;
}

/** Reads the views table. The handler depends on this interface; tests give it an in-memory table. */
export interface ViewsReader {
  /** The completion items of the days from `fromDay` to `toDay` (both included), by day. */
  batchCompletions(fromDay: string, toDay: string): Promise<ReadonlyMap<string, BatchCompletion>>;
  /** Rows of one (view, contentId, type) whose sort key lies between `fromSk` and `toSk`, both included. */
  rows(view: string, contentId: string, type: EventType, fromSk: string, toSk: string): Promise<ViewRow[]>;
}

const { partitionKey: PK, sortKey: SK, attributes: A, batchCompletion: C } = VIEW_TABLE;
const COMPLETION_SK_PREFIX = C.skFormat.split('{')[0];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export interface DynamoViewsReaderOptions {
  /**
   * Items per Query page.
   * @default - DynamoDB's own page size (1 MB)
   */
  readonly pageSize?: number;
}

/** {@link ViewsReader} over DynamoDB: one Query per (view, contentId, type), following every page. */
export class DynamoViewsReader implements ViewsReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: DynamoViewsReaderOptions = {},
  ) {}

  async batchCompletions(fromDay: string, toDay: string): Promise<ReadonlyMap<string, BatchCompletion>> {
    const completions = new Map<string, BatchCompletion>();
    const pages = paginateQuery(
      { client: this.client, pageSize: this.options.pageSize },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ProjectionExpression: '#sk, #completedAt, #engine',
        ExpressionAttributeNames: {
          '#pk': PK,
          '#sk': SK,
          '#completedAt': C.attributes.completedAt,
          '#engine': C.attributes.engine,
        },
        ExpressionAttributeValues: {
          ':pk': C.pk,
          ':from': `${COMPLETION_SK_PREFIX}${fromDay}`,
          ':to': `${COMPLETION_SK_PREFIX}${toDay}`,
        },
        // Completion items decide which layer answers: read the latest write, not an eventually consistent copy.
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        // The sort key names the day; an item whose key is not a day is not a completion.
        const day = String(item[SK]).slice(COMPLETION_SK_PREFIX.length);
        if (!DAY.test(day)) continue;
        const completedAt = item[C.attributes.completedAt];
        const engine = item[C.attributes.engine];
        completions.set(day, {
          day,
          ...(typeof completedAt === 'string' ? { completedAt } : {}),
          ...(typeof engine === 'string' ? { engine } : {}),
        });
      }
    }
    return completions;
  }

  async rows(
    view: string,
    contentId: string,
    type: EventType,
    fromSk: string,
    toSk: string,
  ): Promise<ViewRow[]> {
    const rows: ViewRow[] = [];
    const pages = paginateQuery(
      { client: this.client, pageSize: this.options.pageSize },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ProjectionExpression: '#sk, #count, #watch',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK, '#count': A.count, '#watch': A.watchSeconds },
        ExpressionAttributeValues: {
          ':pk': partitionKey(view, contentId, type),
          ':from': fromSk,
          ':to': toSk,
        },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        rows.push({
          sk: String(item[SK]),
          eventCount: Number(item[A.count] ?? 0),
          watchSeconds: Number(item[A.watchSeconds] ?? 0),
        });
      }
    }
    return rows;
  }
}
