import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { handleRequest } from '../../../lambda/query-api/api';
import { DynamoViewsReader } from '../../../lambda/query-api/views';
import viewTable from '../../../lib/contracts/view-table.json';
import { deps, httpEvent } from './events';
import { FIXTURE } from './memory-views';

// dynalite is an in-process DynamoDB emulator: started here on a free port of 127.0.0.1, closed after the suite.
const dynalite = require('dynalite') as (options: { createTableMs: number }) => Server;
const TABLE = 'streamlake-views';

let server: Server;
let client: DynamoDBClient;
let doc: DynamoDBDocumentClient;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  doc = DynamoDBDocumentClient.from(client);
  await client.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: viewTable.partitionKey, KeyType: 'HASH' },
        { AttributeName: viewTable.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: viewTable.partitionKey, AttributeType: 'S' },
        { AttributeName: viewTable.sortKey, AttributeType: 'S' },
      ],
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: TABLE });
  const c = viewTable.batchCompletion;
  const items = [
    ...FIXTURE.rows.map((r) => ({
      pk: r.pk,
      sk: r.sk,
      [viewTable.attributes.count]: r.eventCount,
      [viewTable.attributes.watchSeconds]: r.watchSeconds,
      [viewTable.attributes.updatedAt]: '2026-11-22T01:00:00.000Z',
    })),
    ...FIXTURE.completedDays.map((day) => ({
      [viewTable.partitionKey]: c.pk,
      [viewTable.sortKey]: `day#${day}`,
      [c.attributes.day]: day,
      [c.attributes.completedAt]: '2026-11-21T01:20:00.000Z',
      [c.attributes.engine]: 'emr',
      [c.attributes.runId]: 'run-1',
      [c.attributes.inputListedAt]: '2026-11-21T01:05:00.000Z',
      [c.attributes.inputObjects]: 3,
      [c.attributes.inputBytes]: 3000,
      [c.attributes.inputLastModified]: '2026-11-21T00:14:59.000Z',
      [c.attributes.events]: 42,
    })),
    // Neighbours under the same partition key that are not completions of the range (the old watermark item).
    {
      [viewTable.partitionKey]: c.pk,
      [viewTable.sortKey]: 'day#2026-11-25',
      [c.attributes.day]: '2026-11-25',
    },
    { [viewTable.partitionKey]: c.pk, [viewTable.sortKey]: 'watermark', lastCompletedDay: '2026-11-25' },
  ];
  for (let i = 0; i < items.length; i += 25) {
    await doc.send(
      new BatchWriteCommand({
        RequestItems: { [TABLE]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  }
});

afterAll(async () => {
  client?.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

describe('query API against dynalite (real Query, real pagination)', () => {
  test('reads the completion items of the range only, following every page', async () => {
    const completions = await new DynamoViewsReader(doc, TABLE, { pageSize: 1 }).batchCompletions(
      '2026-11-19',
      '2026-11-24',
    );
    expect([...completions.values()]).toEqual([
      { day: '2026-11-20', completedAt: '2026-11-21T01:20:00.000Z', engine: 'emr' },
    ]);
  });

  test('a range that holds no completion reads none, even next to the old watermark item', async () => {
    const completions = await new DynamoViewsReader(doc, TABLE).batchCompletions('2026-11-26', '2026-11-30');
    expect(completions.size).toBe(0);
  });

  test('a Query follows every page', async () => {
    const rows = await new DynamoViewsReader(doc, TABLE, { pageSize: 1 }).rows(
      'speed',
      'match-42',
      'heartbeat',
      'm#2026-11-20T00:00',
      'm#2026-11-22T23:59',
    );
    expect(rows.map((r) => r.sk)).toEqual([
      'm#2026-11-20T23:58',
      'm#2026-11-20T23:59',
      'm#2026-11-21T00:00',
      'm#2026-11-21T00:02',
      'm#2026-11-22T10:00',
    ]);
  });

  test('the merge rule over real rows: batch for the completed day, speed after it', async () => {
    const d = { ...deps(), reader: new DynamoViewsReader(doc, TABLE, { pageSize: 2 }) };
    const res = await handleRequest(
      httpEvent({
        contentId: 'match-42',
        type: 'heartbeat',
        from: '2026-11-20T23:58Z',
        to: '2026-11-21T00:02Z',
      }),
      d,
    );
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(String(res.body));
    expect(body.watermark).toBe('2026-11-20');
    expect(body.series[0].points).toEqual([
      { bucket: '2026-11-20T23:58', count: 5, watchSeconds: 150, layer: 'batch' },
      { bucket: '2026-11-20T23:59', count: 4, watchSeconds: 120, layer: 'batch' },
      { bucket: '2026-11-21T00:00', count: 3, watchSeconds: 90, layer: 'speed' },
      { bucket: '2026-11-21T00:02', count: 2, watchSeconds: 60, layer: 'speed' },
    ]);
  });
});
