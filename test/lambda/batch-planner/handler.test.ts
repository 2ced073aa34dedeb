import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import {
  createPlannerHandler,
  type PlannerEnv,
  type PlannerResult,
} from '../../../lambda/batch-planner/handler';

const doc = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const ENV: PlannerEnv = {
  VIEW_TABLE_NAME: 'views-test',
  RAW_BUCKET_NAME: 'raw-bucket',
  RAW_PREFIX: 'raw/events/',
  LOOKBACK_DAYS: 2,
};

function planner(onPlan?: (r: PlannerResult) => void) {
  return createPlannerHandler({
    env: ENV,
    doc: DynamoDBDocumentClient.from(new DynamoDBClient({})),
    s3: new S3Client({}),
    now: () => Date.parse('2026-11-22T09:00:00Z'),
    ...(onPlan ? { onPlan } : {}),
  });
}

/** A completion item as the engines write it (lib/contracts/view-table.json). */
function completionItem(day: string, objects: number, bytes: number, lastModified: string) {
  return {
    pk: 'meta#batch',
    sk: `day#${day}`,
    day,
    completedAt: `${day}T23:59:59.000Z`,
    engine: 'emr',
    runId: 'run-1',
    inputListedAt: lastModified,
    inputObjects: objects,
    inputBytes: bytes,
    inputLastModified: lastModified,
    eventCount: 5,
  };
}

/** Raw objects per day: [size, LastModified][]; listed two per page to follow pagination. */
function rawObjects(days: Record<string, [number, string][]>) {
  for (const [day, objects] of Object.entries(days)) {
    const contents = objects.map(([Size, at], i) => ({
      Key: `raw/events/dt=${day}/hour=10/o${i}.gz`,
      Size,
      LastModified: new Date(at),
    }));
    const prefix = `raw/events/dt=${day}/`;
    s3.on(ListObjectsV2Command, { Prefix: prefix, ContinuationToken: undefined }).resolves({
      Contents: contents.slice(0, 2),
      ...(contents.length > 2 ? { IsTruncated: true, NextContinuationToken: `${day}-2` } : {}),
    });
    s3.on(ListObjectsV2Command, { Prefix: prefix, ContinuationToken: `${day}-2` }).resolves({
      Contents: contents.slice(2),
    });
  }
}

beforeEach(() => {
  doc.reset();
  s3.reset();
  s3.on(ListObjectsV2Command).resolves({});
});

test('a scheduled run reads the completions of the lookback and lists each of its days', async () => {
  doc.on(QueryCommand).resolves({ Items: [] });
  await planner()({ scheduledTime: '2026-11-21T01:00:00Z' });
  expect(doc.commandCalls(QueryCommand)[0].args[0].input).toMatchObject({
    TableName: 'views-test',
    ExpressionAttributeValues: { ':pk': 'meta#batch', ':from': 'day#2026-11-18', ':to': 'day#2026-11-20' },
    ConsistentRead: true,
  });
  expect(s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix)).toEqual([
    'raw/events/dt=2026-11-18/',
    'raw/events/dt=2026-11-19/',
    'raw/events/dt=2026-11-20/',
  ]);
});

test('late data of D-2 (an object written after its run) is re-run with D-1', async () => {
  doc.on(QueryCommand).resolves({
    Items: [
      completionItem('2026-11-18', 2, 300, '2026-11-19T00:10:00.000Z'),
      completionItem('2026-11-19', 3, 300, '2026-11-20T00:10:00.000Z'),
    ],
  });
  rawObjects({
    '2026-11-18': [
      [100, '2026-11-18T10:00:00.000Z'],
      [200, '2026-11-19T00:10:00.000Z'],
    ],
    '2026-11-19': [
      [100, '2026-11-19T10:00:00.000Z'],
      [100, '2026-11-19T11:00:00.000Z'],
      [100, '2026-11-20T00:10:00.000Z'],
      // Written the next evening: after the run of 2026-11-19.
      [42, '2026-11-20T19:00:00.000Z'],
    ],
    '2026-11-20': [[100, '2026-11-20T10:00:00.000Z']],
  });
  const seen: PlannerResult[] = [];
  const result = await planner((r) => seen.push(r))({ scheduledTime: '2026-11-21T01:00:00Z' });
  expect(result).toEqual({
    target: '2026-11-20',
    days: ['2026-11-19', '2026-11-20'],
    plan: [
      { day: '2026-11-19', reasons: ['late_data'] },
      { day: '2026-11-20', reasons: ['scheduled'] },
    ],
    lookbackDays: 2,
    lateData: [
      { day: '2026-11-19', newObjects: 1, newBytes: 42, rules: ['moreObjects', 'moreBytes', 'newerObject'] },
    ],
    missing: [],
  });
  expect(seen).toEqual([result]);
});

test('a failed D-2 (raw objects, no completion) is re-run', async () => {
  doc
    .on(QueryCommand)
    .resolves({ Items: [completionItem('2026-11-18', 1, 100, '2026-11-18T10:00:00.000Z')] });
  rawObjects({
    '2026-11-18': [[100, '2026-11-18T10:00:00.000Z']],
    '2026-11-19': [[100, '2026-11-19T10:00:00.000Z']],
  });
  const result = await planner()({ scheduledTime: '2026-11-21T01:00:00Z' });
  expect(result.plan).toEqual([
    { day: '2026-11-19', reasons: ['missing'] },
    { day: '2026-11-20', reasons: ['scheduled'] },
  ]);
  expect(result.missing).toEqual(['2026-11-19']);
});

test('without a date or a scheduled time, the execution start time decides', async () => {
  doc.on(QueryCommand).resolves({ Items: [] });
  expect((await planner()({ startTime: '2026-11-23T21:00:00.000Z' })).target).toBe('2026-11-22');
});

test('a requested date is planned alone, without reading anything', async () => {
  const result = await planner()({ date: '2026-11-02', scheduledTime: '2026-11-21T01:00:00Z' });
  expect(result.days).toEqual(['2026-11-02']);
  expect(doc.commandCalls(QueryCommand)).toHaveLength(0);
  expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(0);
});

test('fails with InvalidDate on an impossible requested date', async () => {
  await expect(planner()({ date: '2026-02-30' })).rejects.toMatchObject({ name: 'InvalidDate' });
});
