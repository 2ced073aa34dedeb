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
import { isConnectionError } from './network';

export const MAX_RECORDS_PER_CALL = 500;
export const MAX_BYTES_PER_CALL = 5 * 1024 * 1024;
export const MAX_RECORD_BYTES = 1024 * 1024;
export const DEFAULT_MAX_ATTEMPTS = 8;
export const DEFAULT_BASE_DELAY_MS = 100;
export const DEFAULT_MAX_DELAY_MS = 5_000;
export const DEFAULT_LINGER_MS = 100;
/** Calls in a row that get no answer at all before the endpoint is declared unreachable. */
export const DEFAULT_MAX_CONNECTION_FAILURES = 3;

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
  /** Calls the service rejected as a whole (throttling, 5xx), retried. */
  throttledCalls: number;
  /** Calls that got no answer (connection refused or reset, host not found, connect or request timeout). */
  connectionErrors: number;
  /** Payload bytes accepted (data + partition key). */
  bytes: number;
}

export interface ProducerResult<R extends ProducibleRecord> extends ProducerStats {
  /** Records not delivered, in order, with why: write them to a file so nothing is silently lost. */
  readonly unsent: { record: R; reason: string }[];
  /**
   * What stopped the run: a non-retryable error (e.g. the stream does not exist), or the last connection error once
   * `maxConnectionFailures` calls in a row got no answer.
   */
  readonly fatalError?: Error;
  /** The signal aborted the run: what was not confirmed sent is in `unsent`. */
  readonly interrupted: boolean;
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
  /** Calls in a row without an answer before giving up on the endpoint. @default 3 */
  readonly maxConnectionFailures?: number;
  /**
   * Stops the run (Ctrl-C): no more records are taken, the call in flight is cancelled, and every record not
   * confirmed is returned in `unsent` (a cancelled call may have been accepted: a re-send is a duplicate, which the
   * pipeline drops by eventId).
   */
  readonly signal?: AbortSignal;
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
/** Throttling, 5xx and connection errors are worth retrying; validation/not-found/access errors are not. */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (RETRYABLE_ERRORS.has(e.name) || isConnectionError(err)) return true;
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

  const stats: ProducerStats = {
    sent: 0,
    retried: 0,
    failed: 0,
    calls: 0,
    throttledCalls: 0,
    connectionErrors: 0,
    bytes: 0,
  };
  const unsent: { record: R; reason: string }[] = [];
  let fatalError: Error | undefined;
  const maxConnectionFailures = options.maxConnectionFailures ?? DEFAULT_MAX_CONNECTION_FAILURES;
  let connectionFailuresInARow = 0;
  const signal = options.signal;
  const interrupted = () => signal?.aborted === true;
  const abortedPromise = new Promise<void>((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  /** Backoff that Ctrl-C cuts short. */
  const pause = (ms: number) => (signal ? Promise.race([clock.sleep(ms), abortedPromise]) : clock.sleep(ms));
  const INTERRUPTED =
    'interrupted before Kinesis confirmed it (if it was accepted, a re-send is a duplicate, dropped by eventId)';

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
      signal ? { abortSignal: signal } : {},
    );
  };

  const flush = async (batch: readonly R[]): Promise<void> => {
    let pending = batch;
    for (let attempt = 0; pending.length > 0; attempt++) {
      let failedNow: R[];
      let lastReason: string;
      try {
        const response = await putRecords(pending);
        connectionFailuresInARow = 0;
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
        if (interrupted()) {
          giveUp(pending, INTERRUPTED);
          return;
        }
        if (!isRetryable(err)) {
          fatalError = err instanceof Error ? err : new Error(String(err));
          giveUp(pending, `${fatalError.name}: ${fatalError.message}`);
          return;
        }
        lastReason = `${(err as Error).name}: ${(err as Error).message}`;
        if (isConnectionError(err)) {
          // No answer at all: not a throttle. A few in a row mean the endpoint is down or wrong; stop there.
          stats.connectionErrors++;
          if (++connectionFailuresInARow >= maxConnectionFailures) {
            fatalError = err as Error;
            giveUp(pending, `no answer from the endpoint (${lastReason})`);
            return;
          }
        } else stats.throttledCalls++;
        failedNow = [...pending];
      }
      if (failedNow.length === 0) break;
      if (attempt + 1 >= maxAttempts) {
        giveUp(failedNow, `retries exhausted after ${maxAttempts} attempts (${lastReason})`);
        break;
      }
      stats.retried += failedNow.length;
      pending = failedNow;
      await pause(fullJitterDelay(attempt, baseDelayMs, maxDelayMs, random));
      if (interrupted()) {
        giveUp(pending, INTERRUPTED);
        break;
      }
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

  // Pulled one at a time, and only while the run goes on: a record taken from the source is sent or reported unsent,
  // never dropped (the CLI's source writes each record's ground truth as it yields it).
  const records: AsyncIterator<R> | Iterator<R> =
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  while (!fatalError && !interrupted()) {
    if (options.maxRecords !== undefined && taken >= options.maxRecords) break;
    if (clock.now() >= deadline) break;
    const next = await records.next();
    if (next.done) break;
    const record = next.value;
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
  await records.return?.();
  if (fatalError) giveUp(batch, 'not attempted: the run stopped on an earlier error');
  else if (interrupted()) giveUp(batch, 'interrupted before it was sent');
  else await send();
  return {
    ...stats,
    unsent,
    ...(fatalError ? { fatalError } : {}),
    interrupted: interrupted(),
    elapsedMs: clock.now() - started,
  };
}
