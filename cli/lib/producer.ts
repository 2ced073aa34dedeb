/**
 * Sends records to a Kinesis data stream with PutRecords, within the service limits, at a steady rate,
 * retrying throttled calls and partially failed records with exponential backoff and full jitter.
 *
 * Service limits (Kinesis Data Streams quotas): ≤ 500 records and ≤ 5 MiB per PutRecords call, each record
 * (data + partition key) ≤ 1 MiB. The byte limit counts partition keys, so we count them too.
 *
 * Partition keys: the caller's (the generator uses eventId). Not contentId: popularity is Zipf-like and a
 * wicket sends most of the audience to one stream, so keying by contentId would put the hottest stream on
 * one shard (1 MB/s / 1,000 records/s) and throttle it while the others idle. The aggregations are
 * commutative and deduplicated by eventId, so per-content ordering buys nothing; eventId hashes spread
 * evenly, and a re-sent duplicate keeps its original's shard.
 */
import {
  type KinesisClient,
  PutRecordsCommand,
  type PutRecordsCommandOutput,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import { type Clock, fullJitterDelay, systemClock, TokenBucket } from './clock';

export const MAX_RECORDS_PER_CALL = 500;
export const MAX_BYTES_PER_CALL = 5 * 1024 * 1024;
export const MAX_RECORD_BYTES = 1024 * 1024;
export const DEFAULT_MAX_ATTEMPTS = 8;
export const DEFAULT_BASE_DELAY_MS = 100;
export const DEFAULT_MAX_DELAY_MS = 5_000;
export const DEFAULT_LINGER_MS = 100;

/** What the producer needs of a record (GeneratedRecord fits). */
export interface ProducibleRecord {
  readonly data: Uint8Array;
  readonly partitionKey: string;
}

export interface ProducerStats {
  /** Records Kinesis accepted. */
  sent: number;
  /** Record re-submissions (a record retried three times counts three). */
  retried: number;
  /** Records given up on (retries exhausted, too large, or a fatal error). */
  failed: number;
  /** PutRecords calls made. */
  calls: number;
  /** Calls rejected as a whole (throttling, 5xx, network) and retried. */
  throttledCalls: number;
  /** Payload bytes accepted (data + partition key). */
  bytes: number;
}

export interface ProducerResult<R extends ProducibleRecord> extends ProducerStats {
  /** Records not delivered, in order, with why: write them to a file so nothing is silently lost. */
  readonly unsent: { record: R; reason: string }[];
  /** A non-retryable error (e.g. the stream does not exist) that stopped the run. */
  readonly fatalError?: Error;
  readonly elapsedMs: number;
}

export interface ProducerOptions {
  readonly client: Pick<KinesisClient, 'send'>;
  /** Stream name or ARN (an ARN starts with `arn:`). */
  readonly stream: string;
  /** Records per second (token bucket). @default - unlimited */
  readonly ratePerSecond?: number;
  /** Stop after this many records. @default - until the source ends */
  readonly maxRecords?: number;
  /** Stop after this long (wall clock, ms). @default - until the source ends */
  readonly durationMs?: number;
  /** Attempts per record, first included. @default 8 */
  readonly maxAttempts?: number;
  /** @default 100 */
  readonly baseDelayMs?: number;
  /** @default 5000 */
  readonly maxDelayMs?: number;
  /** @default 500 (the service limit; lower only for tests) */
  readonly maxRecordsPerCall?: number;
  /** @default 5 MiB (the service limit) */
  readonly maxBytesPerCall?: number;
  /** With a rate limit: longest a partial batch waits for more records before it is sent. @default 100 */
  readonly lingerMs?: number;
  readonly clock?: Clock;
  /** Uniform [0,1) for jitter. @default Math.random */
  readonly random?: () => number;
  readonly onProgress?: (stats: Readonly<ProducerStats>) => void;
}

const RETRYABLE_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'ThrottlingException',
  'KMSThrottlingException',
  'InternalFailure',
  'InternalFailureException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'TimeoutError',
]);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND']);

/** Throttling, 5xx and connection errors are worth retrying; validation/not-found/access errors are not. */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (RETRYABLE_ERRORS.has(e.name)) return true;
  if (e.code && NETWORK_CODES.has(e.code)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}

function recordBytes(r: ProducibleRecord): number {
  return r.data.byteLength + Buffer.byteLength(r.partitionKey, 'utf8');
}

type Source<R> = Iterable<R> | AsyncIterable<R>;

export async function produce<R extends ProducibleRecord>(
  source: Source<R>,
  options: ProducerOptions,
): Promise<ProducerResult<R>> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const baseDelayMs = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const maxRecordsPerCall = Math.min(options.maxRecordsPerCall ?? MAX_RECORDS_PER_CALL, MAX_RECORDS_PER_CALL);
  const maxBytesPerCall = Math.min(options.maxBytesPerCall ?? MAX_BYTES_PER_CALL, MAX_BYTES_PER_CALL);
  if (!(maxAttempts >= 1)) throw new RangeError(`maxAttempts must be ≥ 1, got ${maxAttempts}`);
  if (options.maxRecords !== undefined && !(options.maxRecords >= 0))
    throw new RangeError(`maxRecords must be ≥ 0, got ${options.maxRecords}`);
  const bucket =
    options.ratePerSecond === undefined ? undefined : new TokenBucket(options.ratePerSecond, clock);
  const isArn = options.stream.startsWith('arn:');
  const started = clock.now();
  const deadline = options.durationMs === undefined ? Number.POSITIVE_INFINITY : started + options.durationMs;

  const stats: ProducerStats = { sent: 0, retried: 0, failed: 0, calls: 0, throttledCalls: 0, bytes: 0 };
  const unsent: { record: R; reason: string }[] = [];
  let fatalError: Error | undefined;

  const giveUp = (records: readonly R[], reason: string): void => {
    for (const record of records) unsent.push({ record, reason });
    stats.failed += records.length;
  };

  const putRecords = (records: readonly R[]): Promise<PutRecordsCommandOutput> => {
    stats.calls++;
    const entries: PutRecordsRequestEntry[] = records.map((r) => ({
      Data: r.data,
      PartitionKey: r.partitionKey,
    }));
    return options.client.send(
      new PutRecordsCommand(
        isArn
          ? { StreamARN: options.stream, Records: entries }
          : { StreamName: options.stream, Records: entries },
      ),
    );
  };

  const flush = async (batch: readonly R[]): Promise<void> => {
    let pending = batch;
    for (let attempt = 0; pending.length > 0; attempt++) {
      let failedNow: R[];
      let lastReason: string;
      try {
        const response = await putRecords(pending);
        const results = response.Records ?? [];
        failedNow = [];
        lastReason = '';
        pending.forEach((record, i) => {
          const result = results[i];
          if (result && !result.ErrorCode) {
            stats.sent++;
            stats.bytes += recordBytes(record);
          } else {
            failedNow.push(record);
            lastReason = result?.ErrorCode
              ? `${result.ErrorCode}: ${result.ErrorMessage ?? ''}`.trim()
              : 'no result';
          }
        });
      } catch (err) {
        if (!isRetryable(err)) {
          fatalError = err instanceof Error ? err : new Error(String(err));
          giveUp(pending, `${fatalError.name}: ${fatalError.message}`);
          return;
        }
        stats.throttledCalls++;
        failedNow = [...pending];
        lastReason = `${(err as Error).name}: ${(err as Error).message}`;
      }
      if (failedNow.length === 0) break;
      if (attempt + 1 >= maxAttempts) {
        giveUp(failedNow, `retries exhausted after ${maxAttempts} attempts (${lastReason})`);
        break;
      }
      stats.retried += failedNow.length;
      pending = failedNow;
      await clock.sleep(fullJitterDelay(attempt, baseDelayMs, maxDelayMs, random));
    }
    options.onProgress?.(stats);
  };

  let batch: R[] = [];
  let batchBytes = 0;
  let taken = 0;
  let batchStartedAt = 0;
  const lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
  const send = async (): Promise<void> => {
    const b = batch;
    batch = [];
    batchBytes = 0;
    if (b.length > 0) await flush(b);
  };

  for await (const record of source) {
    if (fatalError) break;
    if (options.maxRecords !== undefined && taken >= options.maxRecords) break;
    if (clock.now() >= deadline) break;
    taken++;
    const size = recordBytes(record);
    if (size > MAX_RECORD_BYTES || record.partitionKey.length < 1 || record.partitionKey.length > 256) {
      giveUp(
        [record],
        size > MAX_RECORD_BYTES ? `record is ${size} bytes (limit ${MAX_RECORD_BYTES})` : 'bad partition key',
      );
      continue;
    }
    if (bucket && !bucket.tryTake()) {
      // Hold a partial batch for at most `lingerMs` while waiting for tokens: few calls, bounded latency.
      if (batch.length > 0 && clock.now() - batchStartedAt >= lingerMs) await send();
      await bucket.take();
    }
    if (batch.length >= maxRecordsPerCall || batchBytes + size > maxBytesPerCall) await send();
    if (batch.length === 0) batchStartedAt = clock.now();
    batch.push(record);
    batchBytes += size;
  }
  if (!fatalError) await send();
  else giveUp(batch, 'not attempted: the run stopped on an earlier error');
  return { ...stats, unsent, ...(fatalError ? { fatalError } : {}), elapsedMs: clock.now() - started };
}
