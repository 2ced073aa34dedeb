import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';

const documents = mockClient(DynamoDBDocumentClient);
type Handler = typeof import('../../lambda/batch-deadline/index').handler;
let handler: Handler;

beforeAll(async () => {
  process.env.VIEW_TABLE_NAME = 'views-test';
  process.env.SCHEDULE_LAG_HOURS = '5';
  process.env.POWERTOOLS_DEV = 'true';
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  ({ handler } = await import('../../lambda/batch-deadline/index'));
});

afterAll(() => {
  jest.restoreAllMocks();
});

beforeEach(() => documents.reset());

test('reads the watermark item consistently from the views table', async () => {
  documents
    .on(GetCommand)
    .resolves({ Item: { pk: 'meta#batch', sk: 'watermark', lastCompletedDay: '2026-11-20' } });
  await handler({ scheduledTime: '2026-11-21T06:00:00Z' });
  expect(documents.commandCalls(GetCommand)[0].args[0].input).toEqual({
    TableName: 'views-test',
    Key: { pk: 'meta#batch', sk: 'watermark' },
    ConsistentRead: true,
  });
});

test('is on time when the watermark reached D-1', async () => {
  documents.on(GetCommand).resolves({ Item: { lastCompletedDay: '2026-11-20' } });
  expect(await handler({ scheduledTime: '2026-11-21T06:00:00Z' })).toEqual({
    expected: '2026-11-20',
    daysBehind: 0,
  });
});

test('reports the days missing when the watermark is behind', async () => {
  documents.on(GetCommand).resolves({ Item: { lastCompletedDay: '2026-11-18' } });
  expect(await handler({ scheduledTime: '2026-11-21T06:00:00Z' })).toEqual({
    expected: '2026-11-20',
    daysBehind: 2,
  });
});

test('reports 1 day behind when the watermark item does not exist', async () => {
  documents.on(GetCommand).resolves({});
  expect(await handler({ scheduledTime: '2026-11-21T06:00:00Z' })).toEqual({
    expected: '2026-11-20',
    daysBehind: 1,
  });
});
