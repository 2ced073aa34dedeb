/**
 * createHandler (handler.ts): the handler is built from its configuration alone. Nothing here sets process.env, and two
 * handlers with different configurations live side by side in one process, as the offline runtime needs.
 */
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { ConsumerEnv } from '../../../lambda/stream-consumer/env';
import {
  type ConsumerLogger,
  type ConsumerMetrics,
  createHandler,
} from '../../../lambda/stream-consumer/handler';
import { event, kinesisEvent, kinesisRecords, tumblingEvent } from './records';

const ENV: ConsumerEnv = {
  VIEW_TABLE_NAME: 'views-a',
  DEAD_LETTER_QUEUE_URL: 'http://127.0.0.1:1/000000000000/dead-letters',
  SPEED_TTL_DAYS: 3,
  WRITE_CONCURRENCY: 4,
  POWERTOOLS_SERVICE_NAME: 'stream-consumer',
  POWERTOOLS_METRICS_NAMESPACE: 'streamlake',
};
const CONTEXT = { awsRequestId: 'req-1', functionName: 'stream-consumer' } as Context;

class RecordingLogger implements ConsumerLogger {
  readonly lines: { level: string; message: string }[] = [];
  addContext(): void {}
  info(message: string): void {
    this.lines.push({ level: 'info', message: String(message) });
  }
  warn(message: string): void {
    this.lines.push({ level: 'warn', message: String(message) });
  }
  error(message: string): void {
    this.lines.push({ level: 'error', message: String(message) });
  }
}

class RecordingMetrics implements ConsumerMetrics {
  readonly added: [string, number][] = [];
  published = 0;
  coldStarts = 0;
  addMetric(name: string, _unit: unknown, value: number): this {
    this.added.push([name, value]);
    return this;
  }
  captureColdStartMetric(): void {
    this.coldStarts++;
  }
  publishStoredMetrics(): this {
    this.published++;
    return this;
  }
}

function clients() {
  const dynamodb = new DynamoDBClient({ region: 'us-east-1' });
  const sqs = new SQSClient({ region: 'us-east-1' });
  const ddbMock = mockClient(dynamodb);
  const sqsMock = mockClient(sqs);
  ddbMock.on(UpdateItemCommand).resolves({});
  sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
    Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: e.Id, MD5OfMessageBody: 'x' })),
  }));
  return { dynamodb, sqs, ddbMock, sqsMock };
}

describe('stream-consumer createHandler', () => {
  test('needs no environment: the configuration given is all it reads', async () => {
    expect(process.env.VIEW_TABLE_NAME).toBeUndefined();
    const c = clients();
    const logger = new RecordingLogger();
    const metrics = new RecordingMetrics();
    const handler = createHandler({ env: ENV, dynamodb: c.dynamodb, sqs: c.sqs, logger, metrics });
    const response = await handler(kinesisEvent(kinesisRecords([event(), event(), 'not json'])), CONTEXT);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(c.ddbMock.commandCalls(UpdateItemCommand).map((x) => x.args[0].input.TableName)).toEqual([
      'views-a',
    ]);
    const letters = c.sqsMock.commandCalls(SendMessageBatchCommand).map((x) => x.args[0].input.QueueUrl);
    expect(letters).toEqual([ENV.DEAD_LETTER_QUEUE_URL]);
  });

  test('logs and metrics go to the logger and metrics given, once per invocation', async () => {
    const c = clients();
    const logger = new RecordingLogger();
    const metrics = new RecordingMetrics();
    const write = jest.spyOn(process.stdout, 'write');
    try {
      const handler = createHandler({ env: ENV, dynamodb: c.dynamodb, sqs: c.sqs, logger, metrics });
      await handler(kinesisEvent(kinesisRecords([event(), 'not json'])), CONTEXT);
      expect(write).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
    expect(logger.lines).toEqual([
      { level: 'warn', message: 'malformed records dead-lettered' },
      { level: 'info', message: 'batch done' },
    ]);
    expect(metrics.published).toBe(1);
    expect(metrics.added).toEqual(
      expect.arrayContaining([
        ['ProcessedRecords', 1],
        ['MalformedRecords', 1],
      ]),
    );
  });

  test('two handlers with different configurations do not share anything', async () => {
    const a = clients();
    const b = clients();
    const quiet = { logger: new RecordingLogger(), metrics: new RecordingMetrics() };
    const ha = createHandler({ env: ENV, dynamodb: a.dynamodb, sqs: a.sqs, ...quiet });
    const hb = createHandler({
      env: { ...ENV, VIEW_TABLE_NAME: 'views-b' },
      dynamodb: b.dynamodb,
      sqs: b.sqs,
      ...quiet,
    });
    await hb(kinesisEvent(kinesisRecords([event()])), CONTEXT);
    await ha(kinesisEvent(kinesisRecords([event()])), CONTEXT);
    expect(a.ddbMock.commandCalls(UpdateItemCommand).map((x) => x.args[0].input.TableName)).toEqual([
      'views-a',
    ]);
    expect(b.ddbMock.commandCalls(UpdateItemCommand).map((x) => x.args[0].input.TableName)).toEqual([
      'views-b',
    ]);
  });

  test('takes the window path when the event carries a tumbling window', async () => {
    const c = clients();
    const handler = createHandler({
      env: ENV,
      dynamodb: c.dynamodb,
      sqs: c.sqs,
      logger: new RecordingLogger(),
      metrics: new RecordingMetrics(),
    });
    const first = await handler(tumblingEvent(kinesisRecords([event({ contentId: 'w' })])), CONTEXT);
    expect(c.ddbMock.commandCalls(UpdateItemCommand)).toHaveLength(0);
    const final = await handler(
      tumblingEvent([], { state: JSON.parse(JSON.stringify(first.state)), isFinalInvokeForWindow: true }),
      CONTEXT,
    );
    expect(final.batchItemFailures).toEqual([]);
    expect(c.ddbMock.commandCalls(UpdateItemCommand)).toHaveLength(1);
  });

  test('a non-transient write error is logged and fails the invocation', async () => {
    const c = clients();
    c.ddbMock
      .on(UpdateItemCommand)
      .rejects(Object.assign(new Error('no table'), { name: 'ResourceNotFoundException' }));
    const logger = new RecordingLogger();
    const metrics = new RecordingMetrics();
    const handler = createHandler({ env: ENV, dynamodb: c.dynamodb, sqs: c.sqs, logger, metrics });
    await expect(handler(kinesisEvent(kinesisRecords([event()])), CONTEXT)).rejects.toThrow(
      /ResourceNotFoundException/,
    );
    expect(logger.lines).toEqual([{ level: 'error', message: 'batch failed' }]);
    expect(metrics.published).toBe(1);
  });
});
