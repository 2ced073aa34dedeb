/** `streamlake speed redrive` with mocked AWS clients: which calls it makes, what it prints, when it fails. */
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { CliContext } from '../../cli/commands/context';
import { FakeClock } from '../../cli/lib/clock';
import { ExitCode } from '../../cli/lib/errors';
import { run } from '../../cli/main';
import { onFailureMessage } from '../../local/esm/settle';

const sqs = mockClient(SQSClient);
const kinesis = mockClient(KinesisClient);
const dynamodb = mockClient(DynamoDBClient);
beforeEach(() => {
  sqs.reset();
  kinesis.reset();
  dynamodb.reset();
});

const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/events';
const QUEUE = 'http://127.0.0.1:4566/000000000000/failed';
const seq = (i: number) => String(49_000_000_000_000n + BigInt(i));
const payload = (i: number, contentId: string) =>
  new TextEncoder().encode(
    JSON.stringify({
      eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      type: 'heartbeat',
      userId: 'u-1',
      contentId,
      occurredAt: '2026-11-20T23:59:10.000Z',
      region: 'IN-MH',
      device: 'android',
      watchSeconds: 30,
    }),
  );
const records = [0, 1, 2].map((i) => ({
  SequenceNumber: seq(i),
  PartitionKey: `pk-${i}`,
  Data: payload(i, i === 2 ? 'other' : 'match'),
  ApproximateArrivalTimestamp: new Date(1_795_305_600_000 + i),
}));
const body = JSON.stringify(
  onFailureMessage(
    'shardId-000000000000',
    STREAM_ARN,
    [0, 1, 2].map((i) => ({
      sequenceNumber: seq(i),
      partitionKey: `pk-${i}`,
      data: new Uint8Array(),
      arrivalMs: 0,
    })),
    'RetryAttemptsExhausted',
    11,
    0,
  ),
);

function ctx(): { ctx: CliContext; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    ctx: {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      stderr: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream,
      clock: new FakeClock(),
      fetch,
    },
  };
}

const ARGS = ['speed', 'redrive', '--endpoint-url', 'http://127.0.0.1:4566', '--queue-url', QUEUE];

test('reads the range AT_SEQUENCE_NUMBER, writes each key once with the range token, deletes the message', async () => {
  sqs
    .on(ReceiveMessageCommand)
    .resolvesOnce({ Messages: [{ MessageId: 'm1', ReceiptHandle: 'r1', Body: body }] })
    .resolves({ Messages: [] });
  kinesis.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
  kinesis
    .on(GetRecordsCommand)
    .resolvesOnce({ Records: records, NextShardIterator: 'it-2', MillisBehindLatest: 0 })
    .resolves({ Records: [], NextShardIterator: 'it-3', MillisBehindLatest: 0 });
  dynamodb.on(UpdateItemCommand).resolves({});
  const c = ctx();
  const code = await run([...ARGS, '--table-name', 'views', '--json'], c.ctx);
  expect(c.err).toEqual([]);
  expect(code).toBe(ExitCode.ok);
  const it = kinesis.commandCalls(GetShardIteratorCommand)[0]?.args[0].input;
  expect(it).toMatchObject({
    StreamName: 'events',
    ShardId: 'shardId-000000000000',
    ShardIteratorType: 'AT_SEQUENCE_NUMBER',
    StartingSequenceNumber: seq(0),
  });
  const writes = dynamodb.commandCalls(UpdateItemCommand).map((call) => call.args[0].input);
  expect(writes.map((w) => [w.Key?.pk?.S, w.ExpressionAttributeValues?.[':c']?.N])).toEqual([
    ['speed#match#heartbeat', '2'],
    ['speed#other#heartbeat', '1'],
  ]);
  for (const w of writes) expect(w.ConditionExpression).toBe('NOT contains(#t, :tok)');
  expect(sqs.commandCalls(DeleteMessageCommand).map((call) => call.args[0].input.ReceiptHandle)).toEqual([
    'r1',
  ]);
  const report = JSON.parse(c.out.join('\n')) as { status: string; events: number; added: number }[];
  expect(report).toEqual([expect.objectContaining({ status: 'redriven', events: 3, added: 2 })]);
});

test('--dry-run writes nothing and leaves the message in the queue', async () => {
  sqs
    .on(ReceiveMessageCommand)
    .resolvesOnce({ Messages: [{ MessageId: 'm1', ReceiptHandle: 'r1', Body: body }] })
    .resolves({ Messages: [] });
  kinesis.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
  kinesis.on(GetRecordsCommand).resolves({ Records: records, NextShardIterator: undefined });
  const c = ctx();
  expect(await run([...ARGS, '--dry-run'], c.ctx)).toBe(ExitCode.ok);
  expect(dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(0);
  expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
  expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input.VisibilityTimeout).toBe(0);
  expect(c.out.join('\n')).toMatch(/dry-run shardId-000000000000 .*would add 3 events over 2 keys/);
});

test('fails (exit 1) and keeps the message when the stream no longer holds the range', async () => {
  sqs
    .on(ReceiveMessageCommand)
    .resolvesOnce({ Messages: [{ MessageId: 'm1', ReceiptHandle: 'r1', Body: body }] })
    .resolves({ Messages: [] });
  kinesis.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
  // the first record returned is after the range's start: the start was trimmed
  kinesis.on(GetRecordsCommand).resolves({ Records: records.slice(1), NextShardIterator: undefined });
  const c = ctx();
  expect(await run([...ARGS, '--table-name', 'views'], c.ctx)).toBe(ExitCode.failure);
  expect(dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(0);
  expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
  expect(c.out.join('\n')).toMatch(/unavailable .*retention/);
  expect(c.err.join('\n')).toMatch(/1 of 1 message\(s\) not re-driven/);
});

test('fails (exit 1) on a message that is not an on-failure record, and keeps it', async () => {
  sqs
    .on(ReceiveMessageCommand)
    .resolvesOnce({ Messages: [{ MessageId: 'm1', ReceiptHandle: 'r1', Body: '{"hello":1}' }] })
    .resolves({ Messages: [] });
  const c = ctx();
  expect(await run([...ARGS, '--table-name', 'views'], c.ctx)).toBe(ExitCode.failure);
  expect(c.out.join('\n')).toMatch(/invalid .*KinesisBatchInfo/);
  expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
});

test('an empty queue: says so, exit 0', async () => {
  sqs.on(ReceiveMessageCommand).resolves({ Messages: [] });
  const c = ctx();
  expect(await run([...ARGS, '--table-name', 'views'], c.ctx)).toBe(ExitCode.ok);
  expect(c.out).toEqual([`no discarded batches in ${QUEUE}`]);
});

test('a bad --max is a usage error', async () => {
  const c = ctx();
  expect(await run([...ARGS, '--max', '0'], c.ctx)).toBe(ExitCode.usage);
});
