import { type DynamoDBDocumentClient, GetCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { type EventType, partitionKey, VIEW_TABLE } from './contract';
import type { ViewRow } from './merge';

/** Reads the views table. The handler depends on this interface; tests give it an in-memory table. */
export interface ViewsReader {
  /** `lastCompletedDay` of the batch watermark item, or undefined when no batch run has completed. */
  batchWatermark(): Promise<string | undefined>;
  /** Rows of one (view, contentId, type) whose sort key lies between `fromSk` and `toSk`, both included. */
  rows(view: string, contentId: string, type: EventType, fromSk: string, toSk: string): Promise<ViewRow[]>;
}

const { partitionKey: PK, sortKey: SK, attributes: A, batchWatermark: W } = VIEW_TABLE;

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

  async batchWatermark(): Promise<string | undefined> {
    const out = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [PK]: W.pk, [SK]: W.sk },
        ProjectionExpression: '#w',
        ExpressionAttributeNames: { '#w': W.attribute },
        // The watermark decides which layer answers: read the latest write, not an eventually consistent copy.
        ConsistentRead: true,
      }),
    );
    const value = out.Item?.[W.attribute];
    return typeof value === 'string' ? value : undefined;
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
