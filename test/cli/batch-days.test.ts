import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { batchDays, renderBatchDays } from '../../cli/lib/batch-days';
import { renderMetrics } from '../../cli/lib/query';

const doc = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);

beforeEach(() => {
  doc.reset();
  s3.reset();
  s3.on(ListObjectsV2Command).resolves({});
});

function objects(day: string, sizes: [number, string][]) {
  s3.on(ListObjectsV2Command, { Prefix: `raw/events/dt=${day}/` }).resolves({
    Contents: sizes.map(([Size, at], i) => ({
      Key: `raw/events/dt=${day}/hour=01/o${i}.gz`,
      Size,
      LastModified: new Date(at),
    })),
  });
}

test('batch status shows each recent day: exact, late data since its run, missing, or no data', async () => {
  doc.on(QueryCommand).resolves({
    Items: [
      {
        pk: 'meta#batch',
        sk: 'day#2026-11-20',
        completedAt: '2026-11-21T01:40:00.000Z',
        engine: 'emr',
        runId: 'run-20',
        inputObjects: 1,
        inputBytes: 100,
        inputLastModified: '2026-11-20T23:00:00.000Z',
        eventCount: 7,
      },
      {
        pk: 'meta#batch',
        sk: 'day#2026-11-18',
        completedAt: '2026-11-19T01:40:00.000Z',
        engine: 'mapreduce',
        inputObjects: 1,
        inputBytes: 100,
        inputLastModified: '2026-11-18T23:00:00.000Z',
        eventCount: 5,
      },
    ],
  });
  objects('2026-11-20', [[100, '2026-11-20T23:00:00.000Z']]);
  objects('2026-11-19', [[300, '2026-11-19T23:00:00.000Z']]);
  objects('2026-11-18', [
    [100, '2026-11-18T23:00:00.000Z'],
    [50, '2026-11-20T12:00:00.000Z'],
  ]);
  const days = await batchDays(DynamoDBDocumentClient.from(new DynamoDBClient({})), new S3Client({}), {
    viewTable: 'views',
    rawBucket: 'raw',
    toDay: '2026-11-20',
    days: 4,
  });
  expect(days.map((d) => [d.day, d.state, d.newObjects, d.newBytes])).toEqual([
    ['2026-11-20', 'complete', undefined, undefined],
    ['2026-11-19', 'missing', undefined, undefined],
    ['2026-11-18', 'late_data', 1, 50],
    ['2026-11-17', 'no_data', undefined, undefined],
  ]);
  const text = renderBatchDays(days);
  expect(text).toMatch(
    /2026-11-18 +late_data +2026-11-19 01:40:00 +mapreduce +5 +2 +150 +\+1 objects, \+50 bytes/,
  );
  expect(text).toMatch(/2026-11-19 +missing .*no completed run: served from the speed view, provisional/);
  expect(doc.commandCalls(QueryCommand)[0].args[0].input.ExpressionAttributeValues).toEqual({
    ':pk': 'meta#batch',
    ':from': 'day#2026-11-17',
    ':to': 'day#2026-11-20',
  });
});

test('query output marks the provisional days, minute points included', () => {
  const text = renderMetrics({
    contentId: 'c',
    granularity: 'minute',
    from: '2026-11-19T23:59',
    to: '2026-11-20T00:00',
    architecture: 'lambda',
    watermark: null,
    days: [
      { day: '2026-11-19', layer: 'speed', provisional: true },
      { day: '2026-11-20', layer: 'batch', provisional: false },
    ],
    series: [
      {
        type: 'like',
        points: [
          { bucket: '2026-11-19T23:59', count: 2, watchSeconds: 0, layer: 'speed' },
          { bucket: '2026-11-20T00:00', count: 3, watchSeconds: 0, layer: 'batch' },
        ],
      },
    ],
  });
  expect(text).toMatch(/2026-11-19T23:59 +2 +0 +speed +provisional/);
  expect(text).toMatch(/2026-11-20T00:00 +3 +0 +batch +final/);
  expect(text).toContain('provisional (not yet exact, may change): 2026-11-19');
});
