/**
 * `streamlake speed redrive`: adds the batches the Lambda consumer's event source mapping discarded (the messages of
 * its on-failure queue) back into the speed view, once each. The logic is the consumer's
 * (lambda/stream-consumer/redrive.ts); this file wires SQS, Kinesis and DynamoDB and prints the outcome.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  type _Record as KinesisRecord,
} from '@aws-sdk/client-kinesis';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { Command, Option } from 'commander';
import {
  checkRangeIsBatch,
  type DiscardedBatch,
  parseOnFailureMessage,
  RangeUnavailableError,
  type RedriveResult,
  readRange,
  redriveBatch,
  type ShardReader,
  streamNameOf,
} from '../../lambda/stream-consumer/redrive';
import { DynamoViewWriter } from '../../lambda/stream-consumer/writer';
import { Outputs } from '../../lib/contracts/outputs';
import viewTable from '../../lib/contracts/view-table.json';
import { clientConfig } from '../lib/clients';
import { CliError, UsageError } from '../lib/errors';
import {
  addDeploymentOptions,
  type CliContext,
  connection,
  type DeploymentOptions,
  deployment,
} from './context';

interface RedriveOptions extends DeploymentOptions {
  sqsEndpointUrl?: string;
  kinesisEndpointUrl?: string;
  dynamodbEndpointUrl?: string;
  queueUrl?: string;
  tableName?: string;
  streamName?: string;
  max: number;
  dryRun?: boolean;
  json?: boolean;
}

/** One message's outcome, as printed. */
export type RedriveReport =
  | ({ readonly status: 'redriven' | 'dry-run'; readonly messageId: string } & RedriveResult)
  | {
      readonly status: 'unavailable' | 'invalid' | 'failed';
      readonly messageId: string;
      readonly error: string;
      readonly shardId?: string;
      readonly startSequenceNumber?: string;
      readonly endSequenceNumber?: string;
    };

/** How long a received message stays hidden from other readers while its range is re-driven. */
const VISIBILITY_SECONDS = 300;
/** Empty GetRecords answers in a row before a shard counts as read to its tip. */
const EMPTY_READS_AT_TIP = 3;

function positiveInt(option: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`${option} must be a positive integer, got '${value}'`);
    return n;
  };
}

/** A ShardReader over the Kinesis API: GetShardIterator AT_SEQUENCE_NUMBER, then GetRecords until the tip. */
export function kinesisShardReader(kinesis: KinesisClient, streamName: string): ShardReader {
  let iterator: string | undefined;
  return {
    async open(shardId, start) {
      const out = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shardId,
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          StartingSequenceNumber: start,
        }),
      );
      iterator = out.ShardIterator;
    },
    async next() {
      for (let empty = 0; iterator !== undefined && empty < EMPTY_READS_AT_TIP; empty++) {
        const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
        iterator = out.NextShardIterator;
        const records = (out.Records ?? []).map((r: KinesisRecord) => ({
          sequenceNumber: r.SequenceNumber ?? '',
          partitionKey: r.PartitionKey ?? '',
          data: r.Data ?? new Uint8Array(),
          arrivalMs: r.ApproximateArrivalTimestamp?.getTime() ?? 0,
        }));
        if (records.length > 0) return records;
        if (out.MillisBehindLatest === 0) return undefined;
      }
      return undefined;
    },
  };
}

function describe(r: RedriveReport): string {
  const range = `${r.shardId ?? '?'} ${r.startSequenceNumber ?? '?'}…${r.endSequenceNumber ?? '?'}`;
  if (!('error' in r)) {
    const minutes = r.minutes ? `, minutes ${r.minutes.first}…${r.minutes.last}` : '';
    const what =
      r.status === 'dry-run'
        ? `would add ${r.events} events over ${r.keys} keys`
        : `added ${r.events} events: ${r.added} keys written, ${r.alreadyApplied} already re-driven before`;
    return `${r.status} ${range} (${r.condition}): ${r.records} records, ${what}${minutes}; ${r.malformed} malformed (dead-lettered by the consumer)`;
  }
  return `${r.status} ${range}: ${r.error}`;
}

export function redriveCommand(ctx: CliContext): Command {
  const cmd = new Command('redrive')
    .description(
      "add the batches the consumer's event source mapping discarded (its on-failure queue) back into the speed " +
        'view: each range is read again from the stream and added once (a write token per range); a message is ' +
        'deleted once its range is in the view',
    )
    .option('--queue-url <url>', `the on-failure queue (default: the ${Outputs.failedBatchQueueUrl} output)`)
    .option('--table-name <name>', `the views table (default: the ${Outputs.viewTableName} output)`)
    .option('--stream-name <name>', "the stream (default: the name in each message's streamArn)")
    .addOption(
      new Option('--max <n>', 're-drive at most this many messages')
        .default(100)
        .argParser(positiveInt('--max')),
    )
    .option('--dry-run', 'read and aggregate each range, write nothing, leave the messages in the queue')
    .option('--sqs-endpoint-url <url>', 'SQS endpoint (default: --endpoint-url; offline: the SQS emulator)')
    .option('--kinesis-endpoint-url <url>', 'Kinesis endpoint (default: --endpoint-url)')
    .option('--dynamodb-endpoint-url <url>', 'DynamoDB endpoint (default: --endpoint-url)')
    .option('--json', 'print one JSON object per message (an array)')
    .addHelpText(
      'after',
      `
A range the stream no longer holds (older than its retention) is reported as unavailable and its message kept: the
batch view corrects that day once its batch completes (lambda/stream-consumer/README.md, "Discarded batches").

Examples:
  $ streamlake speed redrive --dry-run
  $ streamlake speed redrive --json
  $ streamlake speed redrive --sqs-endpoint-url http://127.0.0.1:5000 --kinesis-endpoint-url http://127.0.0.1:4567 \\
      --dynamodb-endpoint-url http://127.0.0.1:8000 --queue-url http://127.0.0.1:5000/000000000000/failed --table-name views`,
    );
  addDeploymentOptions(cmd);
  cmd.action(async (o: RedriveOptions) => {
    const conn = connection(o);
    const at = (url: string | undefined) => (url === undefined ? conn : { ...conn, endpoint: url });
    const needs = o.queueUrl === undefined || (o.tableName === undefined && !o.dryRun);
    const d = needs ? await deployment(o) : undefined;
    const queueUrl = o.queueUrl ?? (d?.get(Outputs.failedBatchQueueUrl, 'the on-failure queue') as string);
    const tableName = o.tableName ?? d?.get(Outputs.viewTableName, 'the views table') ?? '(dry run)';
    const sqs = new SQSClient(clientConfig(at(o.sqsEndpointUrl), { service: 'sqs' }));
    const kinesis = new KinesisClient(clientConfig(at(o.kinesisEndpointUrl), { service: 'kinesis' }));
    const dynamodb = new DynamoDBClient(clientConfig(at(o.dynamodbEndpointUrl), { service: 'dynamodb' }));
    const writer = new DynamoViewWriter(dynamodb, tableName, viewTable.speedRowTtlDays);
    const reports: RedriveReport[] = [];
    const seen = new Set<string>();
    const keep: string[] = [];
    try {
      while (reports.length < o.max) {
        const got = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(10, o.max - reports.length),
            VisibilityTimeout: VISIBILITY_SECONDS,
            WaitTimeSeconds: 0,
          }),
        );
        const messages = (got.Messages ?? []).filter((m) => !seen.has(m.MessageId ?? ''));
        if (messages.length === 0) break;
        for (const m of messages) {
          seen.add(m.MessageId ?? '');
          const report = await redriveMessage(m, o, kinesis, writer);
          reports.push(report);
          if (report.status === 'redriven')
            await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
          else if (m.ReceiptHandle !== undefined) keep.push(m.ReceiptHandle);
          if (!o.json) ctx.out(describe(report));
        }
      }
      // Kept messages become visible again only now: released earlier, the next receive of this run would get them
      // again (and hide them for another VISIBILITY_SECONDS).
      for (const handle of keep)
        await sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: handle,
            VisibilityTimeout: 0,
          }),
        );
    } finally {
      sqs.destroy();
      kinesis.destroy();
      dynamodb.destroy();
    }
    if (o.json) ctx.out(JSON.stringify(reports, null, 2));
    else if (reports.length === 0) ctx.out(`no discarded batches in ${queueUrl}`);
    const bad = reports.filter((r) => r.status !== 'redriven' && r.status !== 'dry-run');
    if (bad.length > 0)
      throw new CliError(
        `${bad.length} of ${reports.length} message(s) not re-driven; they stay in the queue`,
      );
  });
  return cmd;
}

async function redriveMessage(
  m: Message,
  o: RedriveOptions,
  kinesis: KinesisClient,
  writer: DynamoViewWriter,
): Promise<RedriveReport> {
  const messageId = m.MessageId ?? '';
  let batch: DiscardedBatch;
  try {
    batch = parseOnFailureMessage(m.Body ?? '');
  } catch (e) {
    return { status: 'invalid', messageId, error: (e as Error).message };
  }
  const b = batch.KinesisBatchInfo;
  const where = {
    shardId: b.shardId,
    startSequenceNumber: b.startSequenceNumber,
    endSequenceNumber: b.endSequenceNumber,
  };
  const streamName = o.streamName ?? streamNameOf(b.streamArn);
  try {
    const records = await readRange(kinesisShardReader(kinesis, streamName), batch);
    checkRangeIsBatch(batch, records);
    const result = await redriveBatch(batch, records, { writer, dryRun: o.dryRun === true });
    return { status: o.dryRun ? 'dry-run' : 'redriven', messageId, ...result };
  } catch (e) {
    const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return {
      status: e instanceof RangeUnavailableError ? 'unavailable' : 'failed',
      messageId,
      error,
      ...where,
    };
  }
}

/** `streamlake speed …`: operations on the Lambda speed layer. */
export function speedCommand(ctx: CliContext): Command {
  return new Command('speed')
    .description('operate the Lambda speed layer (re-drive discarded batches)')
    .addCommand(redriveCommand(ctx));
}
