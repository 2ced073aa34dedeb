/**
 * createHandler (handler.ts): the query API built from its configuration alone, with the clients, logger and metrics
 * given. Nothing here sets process.env.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { ServingEnv } from '../../../lambda/query-api/env';
import { createHandler, type QueryApiLogger, type QueryApiMetrics } from '../../../lambda/query-api/handler';
import { httpEvent } from './events';

const ENV: ServingEnv = {
  ARCHITECTURE: 'kappa',
  SPEED_ENGINE: 'flink',
  VIEW_TABLE_NAME: 'views-local',
  VIEW_VERSION_PARAMETER: '/streamlake/local/view-version',
  MAX_RANGE_DAYS: 31,
  DAY_SETTLE_MINUTES: 0,
};
const CONTEXT = { awsRequestId: 'req-7', functionName: 'query-api' } as Context;
const QUERY = { contentId: 'match-42', type: 'like', from: '2026-11-21T00:00Z', to: '2026-11-21T00:05Z' };

class Recorder implements QueryApiLogger, QueryApiMetrics {
  readonly logs: string[] = [];
  readonly metrics: string[] = [];
  published = 0;
  addContext(): void {}
  info(message: string): void {
    this.logs.push(String(message));
  }
  error(message: string): void {
    this.logs.push(String(message));
  }
  addMetric(name: string): this {
    this.metrics.push(name);
    return this;
  }
  captureColdStartMetric(): void {}
  publishStoredMetrics(): this {
    this.published++;
    return this;
  }
}

function setup(pointer = 'flink-v2') {
  const dynamodb = new DynamoDBClient({ region: 'us-east-1' });
  const ssm = new SSMClient({ region: 'us-east-1' });
  // DynamoDBDocumentClient.from(client) sends through the client's middleware stack: mock the document client class.
  const doc = mockClient(DynamoDBDocumentClient);
  const ssmMock = mockClient(ssm);
  ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: pointer } });
  doc.on(GetCommand).resolves({});
  doc.on(QueryCommand).resolves({ Items: [{ sk: 'm#2026-11-21T00:01', eventCount: 3, watchSeconds: 0 }] });
  return { dynamodb, ssm, doc, ssmMock };
}

afterEach(() => mockClient(DynamoDBDocumentClient).restore());

describe('query-api createHandler', () => {
  test('reads the table and pointer it is given, without any environment', async () => {
    expect(process.env.VIEW_TABLE_NAME).toBeUndefined();
    const s = setup();
    const r = new Recorder();
    const handler = createHandler({ env: ENV, dynamodb: s.dynamodb, ssm: s.ssm, logger: r, metrics: r });
    const res = await handler(httpEvent(QUERY), CONTEXT);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(String(res.body)).views).toMatchObject({ speed: 'flink-v2' });
    expect(s.ssmMock.commandCalls(GetParameterCommand)[0]?.args[0].input.Name).toBe(
      ENV.VIEW_VERSION_PARAMETER,
    );
    expect(s.doc.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      TableName: 'views-local',
      ExpressionAttributeValues: { ':pk': 'flink-v2#match-42#like' },
    });
    expect(r.metrics).toEqual(expect.arrayContaining(['PointsServedSpeed', 'ViewQueries']));
    expect(r.published).toBe(1);
  });

  test('a bad request is logged through the logger given and answered 400', async () => {
    const s = setup();
    const r = new Recorder();
    const handler = createHandler({ env: ENV, dynamodb: s.dynamodb, ssm: s.ssm, logger: r, metrics: r });
    const res = await handler(httpEvent({ ...QUERY, type: 'nope' }), CONTEXT);
    expect(res.statusCode).toBe(400);
    expect(r.logs).toEqual(['bad request']);
    expect(r.metrics).toContain('BadRequests');
  });

  test('a failure is a 500 that names the request id and is logged, not printed', async () => {
    const s = setup('not-a-view');
    const r = new Recorder();
    const handler = createHandler({ env: ENV, dynamodb: s.dynamodb, ssm: s.ssm, logger: r, metrics: r });
    const res = await handler(httpEvent(QUERY), CONTEXT);
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(String(res.body))).toMatchObject({ requestId: 'req-7' });
    expect(r.logs).toEqual(['query failed']);
    expect(r.metrics).toContain('QueryErrors');
  });
});
