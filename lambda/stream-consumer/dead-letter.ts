import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { MalformedReason } from '../../lib/contracts/event';
import type { RecordRef } from './decode';

export interface DeadLetter {
  readonly reason: MalformedReason;
  readonly ref: RecordRef;
}

/** SQS allows 10 entries per SendMessageBatch. */
export const MAX_ENTRIES_PER_CALL = 10;
/**
 * Payload budget per call (and so per message): 256 KiB, the SQS limit until 2025 and still the default maximum
 * message size of existing queues.
 */
export const MAX_BYTES_PER_CALL = 256 * 1024;

/**
 * The dead-letter body. `data` is the record's original base64, so the record can be inspected and replayed as is.
 * A record too large for one SQS message (Kinesis allows 1 MiB, SQS 256 KiB) keeps its stream coordinates and
 * length but not its data: it can still be read from the stream within its retention, and from the raw zone.
 */
export function deadLetterBody(letter: DeadLetter): string {
  const { ref } = letter;
  const body = {
    reason: letter.reason,
    shardId: ref.shardId,
    sequenceNumber: ref.sequenceNumber,
    partitionKey: ref.partitionKey,
    approximateArrivalTimestamp: ref.approximateArrivalTimestamp,
    data: ref.data,
  };
  const text = JSON.stringify(body);
  if (Buffer.byteLength(text) <= MAX_BYTES_PER_CALL) return text;
  const { data: _omitted, ...rest } = body;
  return JSON.stringify({ ...rest, dataOmitted: 'too_large', dataBase64Length: ref.data.length });
}

/** Sends dead letters; resolves to the letters that could NOT be delivered (never throws). */
export interface DeadLetterSink {
  send(letters: readonly DeadLetter[]): Promise<DeadLetter[]>;
}

/** Splits letters into SendMessageBatch calls of at most 10 entries and 256 KiB. */
export function chunk(letters: readonly DeadLetter[]): { letter: DeadLetter; body: string }[][] {
  const calls: { letter: DeadLetter; body: string }[][] = [];
  let current: { letter: DeadLetter; body: string }[] = [];
  let bytes = 0;
  for (const letter of letters) {
    const body = deadLetterBody(letter);
    const size = Buffer.byteLength(body);
    if (
      current.length === MAX_ENTRIES_PER_CALL ||
      (current.length > 0 && bytes + size > MAX_BYTES_PER_CALL)
    ) {
      calls.push(current);
      current = [];
      bytes = 0;
    }
    current.push({ letter, body });
    bytes += size;
  }
  if (current.length > 0) calls.push(current);
  return calls;
}

export interface SqsDeadLetterSinkOptions {
  /** Called once per failed call or entry, so the handler can log it. */
  readonly onError?: (message: string, detail: Record<string, unknown>) => void;
}

export class SqsDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly options: SqsDeadLetterSinkOptions = {},
  ) {}

  async send(letters: readonly DeadLetter[]): Promise<DeadLetter[]> {
    const undelivered: DeadLetter[] = [];
    // sequential: dead letters are rare, and one call at a time keeps a broken queue from multiplying errors
    for (const call of chunk(letters)) {
      try {
        const out = await this.client.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: call.map((e, i) => ({
              Id: String(i),
              MessageBody: e.body,
              MessageAttributes: { reason: { DataType: 'String', StringValue: e.letter.reason } },
            })),
          }),
        );
        for (const f of out.Failed ?? []) {
          const entry = call[Number(f.Id)];
          if (entry === undefined) continue;
          undelivered.push(entry.letter);
          this.options.onError?.('dead letter rejected', {
            sequenceNumber: entry.letter.ref.sequenceNumber,
            code: f.Code,
            senderFault: f.SenderFault,
            message: f.Message,
          });
        }
        // An entry neither successful nor failed cannot be assumed delivered.
        const answered = new Set([...(out.Successful ?? []), ...(out.Failed ?? [])].map((r) => r.Id));
        for (const [i, e] of call.entries()) if (!answered.has(String(i))) undelivered.push(e.letter);
      } catch (error) {
        undelivered.push(...call.map((e) => e.letter));
        this.options.onError?.('dead-letter call failed', {
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          records: call.length,
        });
      }
    }
    return undelivered;
  }
}

/** In-memory sink for tests and the benchmark. */
export class MemoryDeadLetterSink implements DeadLetterSink {
  readonly letters: DeadLetter[] = [];
  async send(letters: readonly DeadLetter[]): Promise<DeadLetter[]> {
    this.letters.push(...letters);
    return [];
  }
}
