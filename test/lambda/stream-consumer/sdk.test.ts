import { DynamoDBClient, UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { SqsDeadLetterSink } from '../../../lambda/stream-consumer/dead-letter';
import { processBatch } from '../../../lambda/stream-consumer/process-batch';
import { DynamoViewWriter, isTransientError, ViewWriteError } from '../../../lambda/stream-consumer/writer';
import { event, kinesisRecord, kinesisRecords, SHARD, seq } from './records';

const ddb = mockClient(DynamoDBClient);
const sqs = mockClient(SQSClient);
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/malformed';
const NOW = new Date('2026-11-21T00:00:05.000Z');

const deps = () => ({
  writer: new DynamoViewWriter(new DynamoDBClient({ region: 'us-east-1' }), 'views', 3, () => NOW),
  deadLetters: new SqsDeadLetterSink(new SQSClient({ region: 'us-east-1' }), QUEUE),
});

/** An error shaped like the SDK's for a DynamoDB/SQS exception. */
function sdkError(name: string, status: number): Error {
  return Object.assign(new Error(name), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

const pkOf = (input: UpdateItemCommandInput) => input.Key?.pk?.S;

beforeEach(() => {
  ddb.reset();
  sqs.reset();
  ddb.on(UpdateItemCommand).resolves({});
  sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
    Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: 'x' })),
    Failed: [],
  }));
});

describe('DynamoViewWriter', () => {
  it('sends one ADD/SET UpdateItem per distinct key, with the view-table.json key design', async () => {
    const records = kinesisRecords([
      event({ contentId: 'x', watchSeconds: 30 }),
      event({ contentId: 'x', watchSeconds: 15 }),
      event({ contentId: 'x', type: 'like', watchSeconds: undefined }),
    ]);
    await processBatch(records, deps());
    const calls = ddb.commandCalls(UpdateItemCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    expect(calls.find((c) => pkOf(c) === 'speed#x#heartbeat')).toEqual({
      TableName: 'views',
      Key: { pk: { S: 'speed#x#heartbeat' }, sk: { S: 'm#2026-11-20T23:59' } },
      UpdateExpression: 'ADD #c :c, #w :w SET #b = :b, #u = :u, #e = :e',
      ExpressionAttributeNames: {
        '#c': 'eventCount',
        '#w': 'watchSeconds',
        '#b': 'bucketStart',
        '#u': 'updatedAt',
        '#e': 'expiresAt',
      },
      ExpressionAttributeValues: {
        ':c': { N: '2' },
        ':w': { N: '45' },
        ':b': { S: '2026-11-20T23:59:00.000Z' },
        ':u': { S: '2026-11-21T00:00:05.000Z' },
        ':e': { N: String(Date.UTC(2026, 10, 23, 23, 59) / 1000) },
      },
    });
  });

  it('reports exactly the records of a key whose write is throttled, in-batch duplicates included', async () => {
    const dup = event({ contentId: 'hot' });
    const records = kinesisRecords([
      event({ contentId: 'cold' }), // 0
      dup, // 1 → hot
      event({ contentId: 'cold', type: 'like', watchSeconds: undefined }), // 2
      event({ contentId: 'hot' }), // 3 → hot
      'not json', // 4 → dead letter, not a failure
      dup, // 5 → in-batch duplicate of 1
    ]);
    ddb.on(UpdateItemCommand).callsFake((input: UpdateItemCommandInput) => {
      if (pkOf(input) === 'speed#hot#heartbeat')
        throw sdkError('ProvisionedThroughputExceededException', 400);
      return {};
    });
    const outcome = await processBatch(records, deps());
    expect(outcome.response.batchItemFailures).toEqual(
      [seq(1), seq(3), seq(5)].map((s) => ({ itemIdentifier: s })),
    );
    expect(outcome.stats).toMatchObject({ viewWrites: 2, failedWrites: 1, malformed: 1 });
  });

  it('reports the records of keys whose write times out or gets a 500', async () => {
    const records = kinesisRecords([
      event({ contentId: 'a' }),
      event({ contentId: 'b' }),
      event({ contentId: 'c' }),
    ]);
    ddb.on(UpdateItemCommand).callsFake((input: UpdateItemCommandInput) => {
      if (pkOf(input) === 'speed#a#heartbeat')
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      if (pkOf(input) === 'speed#c#heartbeat') throw sdkError('InternalServerError', 500);
      return {};
    });
    const outcome = await processBatch(records, deps());
    expect(outcome.response.batchItemFailures).toEqual([
      { itemIdentifier: seq(0) },
      { itemIdentifier: seq(2) },
    ]);
  });

  it('fails the invocation when a write fails with a non-transient error', async () => {
    ddb.on(UpdateItemCommand).rejects(sdkError('ValidationException', 400));
    await expect(processBatch(kinesisRecords([event()]), deps())).rejects.toThrow(ViewWriteError);
    ddb.on(UpdateItemCommand).rejects(sdkError('AccessDeniedException', 400));
    await expect(processBatch(kinesisRecords([event()]), deps())).rejects.toThrow(/AccessDeniedException/);
  });

  it('never has more than the configured number of writes in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    ddb.on(UpdateItemCommand).callsFake(async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      return {};
    });
    const records = kinesisRecords(Array.from({ length: 40 }, (_, i) => event({ contentId: `c${i}` })));
    await processBatch(records, { ...deps(), writeConcurrency: 4 });
    expect(ddb.commandCalls(UpdateItemCommand)).toHaveLength(40);
    expect(peak).toBe(4);
  });
});

describe('isTransientError', () => {
  it.each([
    ['ProvisionedThroughputExceededException', 400, true],
    ['ThrottlingException', 400, true],
    ['RequestLimitExceeded', 400, true],
    ['InternalServerError', 500, true],
    ['SomethingNew', 503, true],
    ['ValidationException', 400, false],
    ['AccessDeniedException', 400, false],
    ['ResourceNotFoundException', 400, false],
    ['ConditionalCheckFailedException', 400, false],
  ])('%s (%i) → %s', (name, status, transient) => {
    expect(isTransientError(sdkError(name, status))).toBe(transient);
  });

  it('treats timeouts and reset connections as transient, and a plain Error or a string as not', () => {
    expect(isTransientError(Object.assign(new Error('t'), { name: 'TimeoutError' }))).toBe(true);
    expect(isTransientError(Object.assign(new Error('r'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransientError(new Error('bug'))).toBe(false);
    expect(isTransientError('boom')).toBe(false);
  });
});

describe('SqsDeadLetterSink', () => {
  it('sends each malformed record with reason, shard, sequence number and original data, 10 per call', async () => {
    const payloads = Array.from({ length: 23 }, (_, i) => `bad-${i}`);
    const records = kinesisRecords([event(), ...payloads]);
    const outcome = await processBatch(records, deps());
    const calls = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.Entries?.length)).toEqual([10, 10, 3]);
    expect(calls.every((c) => c.QueueUrl === QUEUE)).toBe(true);
    const first = calls[0].Entries?.[0];
    expect(JSON.parse(first?.MessageBody ?? '')).toEqual({
      reason: 'invalid_json',
      shardId: SHARD,
      sequenceNumber: seq(1),
      partitionKey: records[1].kinesis.partitionKey,
      approximateArrivalTimestamp: records[1].kinesis.approximateArrivalTimestamp,
      data: Buffer.from('bad-0').toString('base64'),
    });
    expect(first?.MessageAttributes?.reason).toEqual({ DataType: 'String', StringValue: 'invalid_json' });
    expect(outcome.response.batchItemFailures).toEqual([]);
  });

  it('reports as failures exactly the entries SQS rejects, and every entry of a call that fails', async () => {
    const records = kinesisRecords([...Array.from({ length: 12 }, (_, i) => `bad-${i}`), event()]);
    let call = 0;
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => {
      call++;
      if (call === 2) throw sdkError('KmsThrottled', 400);
      return {
        Successful: input.Entries.filter((e) => e.Id !== '3').map((e) => ({
          Id: e.Id,
          MessageId: 'm',
          MD5OfMessageBody: 'x',
        })),
        Failed: [{ Id: '3', SenderFault: false, Code: 'InternalError' }],
      };
    });
    const outcome = await processBatch(records, deps());
    expect(outcome.response.batchItemFailures).toEqual(
      [seq(3), seq(10), seq(11)].map((s) => ({ itemIdentifier: s })),
    );
  });

  it('keeps stream coordinates but not the data of a record too large for one SQS message', async () => {
    const big = `x${'y'.repeat(300 * 1024)}`; // not JSON, 300 KiB
    await processBatch([kinesisRecord(big, 0), kinesisRecord('small', 1)], deps());
    const entries = sqs.commandCalls(SendMessageBatchCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    const bodies = entries.map((e) => JSON.parse(e.MessageBody ?? '') as Record<string, unknown>);
    expect(bodies[0]).toEqual({
      reason: 'invalid_json',
      shardId: SHARD,
      sequenceNumber: seq(0),
      partitionKey: 'pk-0',
      approximateArrivalTimestamp: expect.any(Number),
      dataOmitted: 'too_large',
      dataBase64Length: Buffer.from(big).toString('base64').length,
    });
    expect(bodies[1].data).toBe(Buffer.from('small').toString('base64'));
  });
});
