/**
 * Re-drive of a batch the event source mapping discarded (retries or record age exhausted): the on-failure message
 * names the shard and the sequence range; the records are read again from the stream and added to the speed view
 * with the consumer's own decoding and aggregation, once (a write token per range). `streamlake speed redrive`
 * (cli/commands/redrive.ts) wires it to SQS, Kinesis and DynamoDB; tests call it with in-memory readers.
 */

import type { KinesisStreamRecord } from 'aws-lambda';
import { z } from 'zod';
import type { MalformedReason } from '../../lib/contracts/event';
import { aggregate } from './aggregate';
import { toKinesisEnvelope } from './envelope';
import { DEFAULT_WRITE_CONCURRENCY, decodeBatch } from './process-batch';
import { flushToken, type ViewWriter, writeAll } from './writer';

/**
 * The message Lambda sends to an SQS (or SNS) on-failure destination for a Kinesis source (AWS Lambda Developer
 * Guide, "Retain discarded batch records for a Kinesis Data Streams event source in Lambda"); fields this code does
 * not use are allowed and ignored.
 */
export const onFailureMessageSchema = z.object({
  requestContext: z.object({
    condition: z.string().min(1),
    approximateInvokeCount: z.number().int().min(0),
  }),
  timestamp: z.string().min(1),
  KinesisBatchInfo: z.object({
    shardId: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/),
    startSequenceNumber: z.string().regex(/^\d{1,128}$/),
    endSequenceNumber: z.string().regex(/^\d{1,128}$/),
    approximateArrivalOfFirstRecord: z.string(),
    approximateArrivalOfLastRecord: z.string(),
    batchSize: z.number().int().min(1),
    streamArn: z.string().regex(/^arn:[^:]+:kinesis:[^:]*:\d*:stream\/.+$/),
  }),
});
export type DiscardedBatch = z.output<typeof onFailureMessageSchema>;

/** Thrown for a message that is not a Kinesis on-failure record: it names what is wrong. */
export class OnFailureMessageError extends Error {
  constructor(message: string) {
    super(`not a Kinesis on-failure message: ${message}`);
    this.name = 'OnFailureMessageError';
  }
}

/** Parses an SQS message body (JSON) as an on-failure message, checking the range is ordered. */
export function parseOnFailureMessage(body: string): DiscardedBatch {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new OnFailureMessageError('the body is not JSON');
  }
  const parsed = onFailureMessageSchema.safeParse(raw);
  if (!parsed.success)
    throw new OnFailureMessageError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    );
  const b = parsed.data.KinesisBatchInfo;
  if (BigInt(b.startSequenceNumber) > BigInt(b.endSequenceNumber))
    throw new OnFailureMessageError(
      `startSequenceNumber ${b.startSequenceNumber} is after endSequenceNumber ${b.endSequenceNumber}`,
    );
  return parsed.data;
}

/** The stream name of a Kinesis stream ARN (`arn:aws:kinesis:region:account:stream/<name>`). */
export function streamNameOf(streamArn: string): string {
  return streamArn.slice(streamArn.indexOf(':stream/') + ':stream/'.length);
}

/** One record as Kinesis GetRecords returns it (the SDK's shape, reduced to what a re-drive needs). */
export interface StreamRecord {
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: Uint8Array;
  readonly arrivalMs: number;
}

/**
 * Reads a shard from `startSequenceNumber` (GetShardIterator AT_SEQUENCE_NUMBER) in order. Returns the records read
 * so far on each call; `undefined` when the shard has nothing more (its tip, or a closed shard's end).
 */
export interface ShardReader {
  open(shardId: string, startSequenceNumber: string): Promise<void>;
  next(): Promise<StreamRecord[] | undefined>;
}

/** Why a range could not be re-driven as a whole. */
export class RangeUnavailableError extends Error {
  constructor(
    message: string,
    /** Records of the range still on the stream (the range is not re-driven partially). */
    readonly found: number,
  ) {
    super(message);
    this.name = 'RangeUnavailableError';
  }
}

/**
 * Reads exactly the records of `[start, end]` of a shard. Throws a RangeUnavailableError when the first record read
 * is not `start` (the stream no longer holds it: past the retention) or the shard ends before `end`.
 */
export async function readRange(reader: ShardReader, batch: DiscardedBatch): Promise<StreamRecord[]> {
  const { shardId, startSequenceNumber, endSequenceNumber } = batch.KinesisBatchInfo;
  const start = BigInt(startSequenceNumber);
  const end = BigInt(endSequenceNumber);
  await reader.open(shardId, startSequenceNumber);
  const out: StreamRecord[] = [];
  for (;;) {
    const records = await reader.next();
    if (records === undefined) break;
    for (const r of records) {
      const s = BigInt(r.sequenceNumber);
      if (out.length === 0 && s !== start)
        throw new RangeUnavailableError(
          `${shardId} no longer holds ${startSequenceNumber} (the first record it returned is ${r.sequenceNumber}): ` +
            'the range has passed the stream retention',
          0,
        );
      if (s > end) return out;
      out.push(r);
    }
  }
  if (out.length === 0)
    throw new RangeUnavailableError(
      `${shardId} returned no record at ${startSequenceNumber}: the range has passed the stream retention`,
      0,
    );
  if (BigInt((out[out.length - 1] as StreamRecord).sequenceNumber) !== end)
    throw new RangeUnavailableError(
      `${shardId} ended at ${(out[out.length - 1] as StreamRecord).sequenceNumber}, before ${endSequenceNumber}`,
      out.length,
    );
  return out;
}

/**
 * Checks that the range holds exactly the discarded batch. With a ParallelizationFactor above 1, the batches of a
 * shard interleave (one per partition-key slot), so the range also holds records other batches processed: adding
 * the whole range would count those twice, and the on-failure message does not say which records were in the batch.
 */
export function checkRangeIsBatch(batch: DiscardedBatch, records: readonly StreamRecord[]): void {
  const expected = batch.KinesisBatchInfo.batchSize;
  if (records.length !== expected)
    throw new RangeUnavailableError(
      `the range holds ${records.length} records but the discarded batch had ${expected}: batches of this shard ` +
        'interleave (ParallelizationFactor > 1), so re-driving the range would add records other batches processed. ' +
        'Leave it to the batch view, which recomputes the day from the raw archive',
      records.length,
    );
}

/** Records in the envelope the consumer decodes (as the event source mapping would have delivered them). */
export function toKinesisStreamRecords(
  batch: DiscardedBatch,
  records: readonly StreamRecord[],
): KinesisStreamRecord[] {
  const { shardId, streamArn } = batch.KinesisBatchInfo;
  return toKinesisEnvelope(shardId, streamArn, records);
}

/** The token of a re-drive: the same for the same range, whoever runs it and however often. */
export function redriveToken(batch: DiscardedBatch): string {
  const b = batch.KinesisBatchInfo;
  return flushToken('redrive', b.streamArn, b.shardId, b.startSequenceNumber, b.endSequenceNumber);
}

export interface RedriveResult {
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly condition: string;
  readonly records: number;
  /** Valid events added (in-range duplicates excluded). */
  readonly events: number;
  readonly malformed: number;
  readonly malformedByReason: Partial<Record<MalformedReason, number>>;
  readonly duplicatesInRange: number;
  /** Distinct (contentId, type, minute) keys of the range. */
  readonly keys: number;
  /** Keys added to the speed view by this run (0 with dry run). */
  readonly added: number;
  /** Keys that already carried this range's token (a re-drive that ran before): not added again. */
  readonly alreadyApplied: number;
  /** The minutes (of occurredAt) the range touches, first and last. */
  readonly minutes: { readonly first: string; readonly last: string } | undefined;
  readonly token: string;
}

export interface RedriveDeps {
  readonly writer: ViewWriter;
  readonly dryRun?: boolean;
  /** @default DEFAULT_WRITE_CONCURRENCY */
  readonly writeConcurrency?: number;
}

/**
 * Adds the records of a discarded batch to the speed view: decoded and aggregated as the consumer does (malformed
 * records are counted, not dead-lettered again: the consumer sends dead letters before anything else, so a batch that
 * failed later sent them already), written once per key with the range's token. Throws on a write failure: nothing
 * is half-done that a re-run would double (the token), so the operator runs it again.
 */
export async function redriveBatch(
  batch: DiscardedBatch,
  records: readonly StreamRecord[],
  deps: RedriveDeps,
): Promise<RedriveResult> {
  const { valid, letters, malformedByReason } = decodeBatch(toKinesisStreamRecords(batch, records));
  const { deltas, duplicatesInBatch } = aggregate(valid, false);
  const token = redriveToken(batch);
  let added = 0;
  let alreadyApplied = 0;
  if (!deps.dryRun && deltas.length > 0) {
    const out = await writeAll(
      deltas,
      deps.writer,
      deps.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY,
      token,
    );
    if (out.failed.length > 0)
      throw new Error(
        `${out.failed.length} of ${deltas.length} writes failed transiently (throttling?); run the re-drive again: ` +
          'the keys already written carry its token and are not added twice',
      );
    alreadyApplied = out.alreadyApplied;
    added = out.written - out.alreadyApplied;
  }
  const minutes = deltas.map((d) => d.minute).sort();
  const b = batch.KinesisBatchInfo;
  return {
    shardId: b.shardId,
    startSequenceNumber: b.startSequenceNumber,
    endSequenceNumber: b.endSequenceNumber,
    condition: batch.requestContext.condition,
    records: records.length,
    events: valid.length - duplicatesInBatch,
    malformed: letters.length,
    malformedByReason,
    duplicatesInRange: duplicatesInBatch,
    keys: deltas.length,
    added,
    alreadyApplied,
    minutes:
      minutes.length === 0
        ? undefined
        : { first: minutes[0] as string, last: minutes[minutes.length - 1] as string },
    token,
  };
}
