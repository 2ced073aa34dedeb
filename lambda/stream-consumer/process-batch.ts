import type { KinesisStreamBatchResponse, KinesisStreamRecord } from 'aws-lambda';
import type { MalformedReason, StreamEvent } from '../../lib/contracts/event';
import { aggregate } from './aggregate';
import type { DeadLetter, DeadLetterSink } from './dead-letter';
import { decodeEvent, refOf } from './decode';
import { type ViewWriter, writeAll } from './writer';

/** Writes in flight per invocation unless configured otherwise. */
export const DEFAULT_WRITE_CONCURRENCY = 10;

export interface BatchDeps {
  readonly writer: ViewWriter;
  readonly deadLetters: DeadLetterSink;
  /** @default DEFAULT_WRITE_CONCURRENCY */
  readonly writeConcurrency?: number;
}

export interface BatchStats {
  /** Records in the batch. */
  readonly records: number;
  /** Valid records aggregated (in-batch duplicates excluded). */
  readonly processed: number;
  readonly malformed: number;
  readonly malformedByReason: Partial<Record<MalformedReason, number>>;
  readonly duplicatesInBatch: number;
  /** Distinct (contentId, type, minute) keys in the batch. */
  readonly keys: number;
  /** Successful view writes. */
  readonly viewWrites: number;
  /** View writes that failed transiently (their records are batch item failures). */
  readonly failedWrites: number;
  /** Dead letters that could not be sent (their records are batch item failures). */
  readonly undeliveredDeadLetters: number;
}

export interface BatchOutcome {
  readonly response: KinesisStreamBatchResponse;
  readonly stats: BatchStats;
}

export interface DecodedBatch {
  /** The valid events with their records (a record's reference is built only when it is reported). */
  readonly valid: { record: KinesisStreamRecord; event: StreamEvent }[];
  readonly letters: DeadLetter[];
  readonly malformedByReason: Partial<Record<MalformedReason, number>>;
}

/** Decodes every record of a batch: the valid events in batch order, and a dead letter per malformed record. */
export function decodeBatch(records: readonly KinesisStreamRecord[]): DecodedBatch {
  const valid: { record: KinesisStreamRecord; event: StreamEvent }[] = [];
  const letters: DeadLetter[] = [];
  const malformedByReason: Partial<Record<MalformedReason, number>> = {};
  for (const record of records) {
    const d = decodeEvent(record);
    if (d.ok) valid.push({ record, event: d.event });
    else {
      letters.push({ reason: d.reason, ref: refOf(record) });
      malformedByReason[d.reason] = (malformedByReason[d.reason] ?? 0) + 1;
    }
  }
  return { valid, letters, malformedByReason };
}

/**
 * The whole consumer logic, without AWS: decode, dead-letter the malformed, aggregate the rest per key, write one
 * update per key, and answer with the records Kinesis must redeliver.
 *
 * Why not Powertools' BatchProcessor/processPartialResponse: it calls a handler once per record and builds the
 * partial response from per-record outcomes, but here the unit of work is a key that many records share, and a
 * record fails because its key's write failed. So the response `{batchItemFailures: [{itemIdentifier}]}` is built
 * here, with the same meaning: with ReportBatchItemFailures, Kinesis resumes from the lowest reported sequence
 * number, so every record after it in the batch is delivered again (see README, "Delivery semantics").
 *
 * Malformed records are permanent failures: they are dead-lettered and NOT reported, so they never stall the shard.
 * A dead letter that cannot be sent IS reported, so it is never lost. A non-transient write error throws.
 */
export async function processBatch(
  records: readonly KinesisStreamRecord[],
  deps: BatchDeps,
): Promise<BatchOutcome> {
  const { valid, letters, malformedByReason } = decodeBatch(records);
  const { deltas, duplicatesInBatch } = aggregate(valid);

  // Both run to completion before anything is thrown, so a fatal write error never abandons a dead-letter send.
  const [written, undelivered] = await Promise.allSettled([
    writeAll(deltas, deps.writer, deps.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY),
    letters.length > 0 ? deps.deadLetters.send(letters) : Promise.resolve([]),
  ]);
  if (written.status === 'rejected') throw written.reason;
  // DeadLetterSink.send never throws by contract; if one does anyway, treat every letter as undelivered.
  const notSent = undelivered.status === 'fulfilled' ? undelivered.value : letters;

  const failedSeq = new Set<string>();
  for (const delta of written.value.failed)
    for (const record of delta.records) failedSeq.add(record.kinesis.sequenceNumber);
  for (const letter of notSent) failedSeq.add(letter.ref.sequenceNumber);
  // Report in batch order (Kinesis only uses the lowest, but a readable response helps operators).
  const batchItemFailures = records
    .filter((r) => failedSeq.has(r.kinesis.sequenceNumber))
    .map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber }));

  return {
    response: { batchItemFailures },
    stats: {
      records: records.length,
      processed: valid.length - duplicatesInBatch,
      malformed: letters.length,
      malformedByReason,
      duplicatesInBatch,
      keys: deltas.length,
      viewWrites: written.value.written,
      failedWrites: written.value.failed.length,
      undeliveredDeadLetters: notSent.length,
    },
  };
}
