import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createDeadlineHandler, type DeadlineEnv } from '../../lambda/batch-deadline/handler';

const doc = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const ENV: DeadlineEnv = {
  VIEW_TABLE_NAME: 'views-test',
  RAW_BUCKET_NAME: 'raw-bucket',
  RAW_PREFIX: 'raw/events/',
  SCHEDULE_LAG_HOURS: 5,
  WINDOW_DAYS: 4,
};
const check = createDeadlineHandler({
  env: ENV,
  doc: DynamoDBDocumentClient.from(new DynamoDBClient({})),
  s3: new S3Client({}),
  now: () => Date.parse('2026-11-21T06:00:00Z'),
});

function completions(...days: string[]) {
  doc.on(QueryCommand).resolves({ Items: days.map((d) => ({ pk: 'meta#batch', sk: `day#${d}`, day: d })) });
}
function rawPartitions(...days: string[]) {
  s3.on(ListObjectsV2Command).resolves({
    CommonPrefixes: days.map((d) => ({ Prefix: `raw/events/dt=${d}/` })),
  });
}

beforeEach(() => {
  doc.reset();
  s3.reset();
});

test('reads the completion items of the window consistently, and lists raw partitions from its first day', async () => {
  completions('2026-11-20');
  rawPartitions('2026-11-20');
  await check({ scheduledTime: '2026-11-21T06:00:00Z' });
  expect(doc.commandCalls(QueryCommand)[0].args[0].input).toMatchObject({
    TableName: 'views-test',
    ExpressionAttributeValues: { ':pk': 'meta#batch', ':from': 'day#2026-11-17', ':to': 'day#2026-11-20' },
    ConsistentRead: true,
  });
  expect(s3.commandCalls(ListObjectsV2Command)[0].args[0].input).toMatchObject({
    Bucket: 'raw-bucket',
    Prefix: 'raw/events/dt=',
    Delimiter: '/',
    StartAfter: 'raw/events/dt=2026-11-17',
  });
});

test('on time when every day with raw data completed', async () => {
  completions('2026-11-18', '2026-11-19', '2026-11-20');
  rawPartitions('2026-11-18', '2026-11-19', '2026-11-20');
  expect(await check({ scheduledTime: '2026-11-21T06:00:00Z' })).toEqual({
    expected: '2026-11-20',
    window: { fromDay: '2026-11-17', toDay: '2026-11-20' },
    missing: [],
  });
});

test('a failed D-2 is reported although D-1 completed', async () => {
  completions('2026-11-18', '2026-11-20');
  rawPartitions('2026-11-18', '2026-11-19', '2026-11-20');
  expect((await check({ scheduledTime: '2026-11-21T06:00:00Z' })).missing).toEqual(['2026-11-19']);
});

test('D-1 without a completion is missing even without raw data', async () => {
  completions();
  rawPartitions();
  expect((await check({ scheduledTime: '2026-11-21T06:00:00Z' })).missing).toEqual(['2026-11-20']);
});

test('partitions after the window end the listing', async () => {
  completions('2026-11-20');
  rawPartitions('2026-11-20', '2026-11-21', '2026-11-22');
  expect((await check({ scheduledTime: '2026-11-21T06:00:00Z' })).missing).toEqual([]);
});
