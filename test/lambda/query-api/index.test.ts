import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { httpEvent } from './events';

const ENV = {
  VIEW_TABLE_NAME: 'streamlake-views',
  ARCHITECTURE: 'lambda',
  SPEED_ENGINE: 'lambda',
  VIEW_VERSION_PARAMETER: '/streamlake/dev/view-version',
  MAX_RANGE_DAYS: '31',
  POWERTOOLS_METRICS_NAMESPACE: 'streamlake',
  POWERTOOLS_DEV: 'true',
  AWS_REGION: 'us-east-1',
};
const CONTEXT = { awsRequestId: 'req-42', functionName: 'query-api' } as Context;
const dynamo = mockClient(DynamoDBDocumentClient);

let handler: typeof import('../../../lambda/query-api/index').handler;

beforeAll(async () => {
  Object.assign(process.env, ENV);
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'info').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  ({ handler } = await import('../../../lambda/query-api/index'));
});

afterAll(() => {
  for (const key of Object.keys(ENV)) delete process.env[key];
  jest.restoreAllMocks();
});

beforeEach(() => dynamo.reset());

describe('query-api index (wiring)', () => {
  const QUERY = { contentId: 'match-42', type: 'like', from: '2026-11-21T00:00Z', to: '2026-11-21T00:05Z' };

  test('answers from the table named by VIEW_TABLE_NAME', async () => {
    // The day's completion item (none: 2026-11-21 has no completed batch run), then the speed rows.
    dynamo
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'meta#batch' } })
      .resolves({ Items: [] })
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'speed#match-42#like' } })
      .resolves({ Items: [{ sk: 'm#2026-11-21T00:01', eventCount: 3, watchSeconds: 0 }] });
    const res = await handler(httpEvent(QUERY), CONTEXT);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(String(res.body)).series[0].points).toEqual([
      { bucket: '2026-11-21T00:01', count: 3, watchSeconds: 0, layer: 'speed' },
    ]);
    expect(dynamo.commandCalls(QueryCommand)[1].args[0].input).toMatchObject({
      TableName: 'streamlake-views',
      ExpressionAttributeValues: {
        ':pk': 'speed#match-42#like',
        ':from': 'm#2026-11-21T00:00',
        ':to': 'm#2026-11-21T00:05',
      },
    });
  });

  test('a failure is a 500 that leaks nothing of the error', async () => {
    dynamo
      .on(QueryCommand)
      .rejects(new Error('AccessDeniedException: arn:aws:dynamodb:us-east-1:123456789012:table/x'));
    const res = await handler(httpEvent(QUERY), CONTEXT);
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toMatch(/AccessDenied|arn:|dynamodb/);
    expect(JSON.parse(String(res.body))).toEqual({
      error: 'InternalError',
      message: 'internal error',
      requestId: 'req-42',
    });
  });
});
