import { type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import viewTable from '../../lib/contracts/view-table.json';
import type { KeyDelta } from './aggregate';

/** The view this consumer writes (first part of the partition key). */
export const SPEED_VIEW = viewTable.views.speed;
const ATTR = viewTable.attributes;
const DAY_SECONDS = 86_400;

/** `speed#{contentId}#{type}` and `m#{minute}`, per lib/contracts/view-table.json. */
export function speedKey(delta: Pick<KeyDelta, 'contentId' | 'type' | 'minute'>): { pk: string; sk: string } {
  return { pk: `${SPEED_VIEW}#${delta.contentId}#${delta.type}`, sk: `m#${delta.minute}` };
}

/** Start of a minute bucket as an ISO instant (`2026-11-20T14:05` → `2026-11-20T14:05:00.000Z`). */
export function bucketStartOf(minute: string): string {
  return `${minute}:00.000Z`;
}

/** TTL of a speed row: the minute's start plus `ttlDays` days, in epoch seconds. */
export function expiresAtOf(minute: string, ttlDays: number): number {
  return Date.parse(bucketStartOf(minute)) / 1000 + ttlDays * DAY_SECONDS;
}

/** Adds one key's delta to the speed view. Implementations throw on failure; see {@link isTransientError}. */
export interface ViewWriter {
  add(delta: KeyDelta): Promise<void>;
}

/**
 * The DynamoDB writer: one UpdateItem per key, `ADD` for the counters (atomic, commutative, so concurrent batches
 * of other shards touching the same key never lose an update) and `SET` for the descriptive attributes.
 */
export class DynamoViewWriter implements ViewWriter {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly ttlDays: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async add(delta: KeyDelta): Promise<void> {
    const { pk, sk } = speedKey(delta);
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { [viewTable.partitionKey]: { S: pk }, [viewTable.sortKey]: { S: sk } },
        UpdateExpression: 'ADD #c :c, #w :w SET #b = :b, #u = :u, #e = :e',
        ExpressionAttributeNames: {
          '#c': ATTR.count,
          '#w': ATTR.watchSeconds,
          '#b': ATTR.bucketStart,
          '#u': ATTR.updatedAt,
          '#e': ATTR.expiresAt,
        },
        ExpressionAttributeValues: {
          ':c': { N: String(delta.count) },
          ':w': { N: String(delta.watchSeconds) },
          ':b': { S: bucketStartOf(delta.minute) },
          ':u': { S: this.now().toISOString() },
          ':e': { N: String(expiresAtOf(delta.minute, this.ttlDays)) },
        },
      }),
    );
  }
}

/** A speed row as the in-memory writer keeps it (the same attributes the DynamoDB writer produces). */
export interface SpeedRow {
  eventCount: number;
  watchSeconds: number;
  bucketStart: string;
  expiresAt: number;
}

/** In-memory writer with the same ADD semantics, for tests and the benchmark. */
export class MemoryViewWriter implements ViewWriter {
  readonly rows = new Map<string, SpeedRow>();
  writes = 0;
  constructor(private readonly ttlDays = viewTable.speedRowTtlDays) {}

  async add(delta: KeyDelta): Promise<void> {
    this.writes++;
    const { pk, sk } = speedKey(delta);
    const id = `${pk}|${sk}`;
    const row = this.rows.get(id);
    if (row === undefined) {
      this.rows.set(id, {
        eventCount: delta.count,
        watchSeconds: delta.watchSeconds,
        bucketStart: bucketStartOf(delta.minute),
        expiresAt: expiresAtOf(delta.minute, this.ttlDays),
      });
    } else {
      row.eventCount += delta.count;
      row.watchSeconds += delta.watchSeconds;
    }
  }
}

// Error names DynamoDB (and the SDK) use for conditions that go away on their own. The SDK has already retried these
// (standard retry mode) by the time they reach us; Kinesis redelivery is the next, slower, retry.
const TRANSIENT_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/**
 * True for throttling, timeouts, 5xx and network errors: retrying the same records later can succeed. Everything
 * else (validation, access denied, missing table, unknown) is not transient: retrying cannot fix it, so the
 * invocation must fail loudly rather than drop data.
 */
export function isTransientError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkErrorShape;
  if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
  if (e.$retryable !== undefined && e.$retryable !== null && e.$retryable !== false) return true;
  const status = e.$metadata?.httpStatusCode;
  return typeof status === 'number' && (status >= 500 || status === 429);
}

/** Thrown when a view write fails with a non-transient error: the whole invocation fails. */
export class ViewWriteError extends Error {
  constructor(
    readonly key: { pk: string; sk: string },
    override readonly cause: unknown,
  ) {
    super(
      `non-transient error writing ${key.pk} ${key.sk}: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`,
    );
    this.name = 'ViewWriteError';
  }
}

export interface WriteOutcome {
  readonly written: number;
  /** Keys whose write failed transiently: their records must be redelivered. */
  readonly failed: KeyDelta[];
}

/**
 * Writes every delta with at most `concurrency` writes in flight. Transient failures are collected; the first
 * non-transient failure stops new writes and, once the writes in flight have settled, is thrown as a ViewWriteError.
 */
export async function writeAll(
  deltas: readonly KeyDelta[],
  writer: ViewWriter,
  concurrency: number,
): Promise<WriteOutcome> {
  let next = 0;
  let written = 0;
  const failed: KeyDelta[] = [];
  let fatal: ViewWriteError | undefined;
  const worker = async (): Promise<void> => {
    while (fatal === undefined && next < deltas.length) {
      const delta = deltas[next++];
      try {
        await writer.add(delta);
        written++;
      } catch (error) {
        if (isTransientError(error)) failed.push(delta);
        else fatal ??= new ViewWriteError(speedKey(delta), error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, deltas.length)) }, worker));
  if (fatal !== undefined) throw fatal;
  return { written, failed };
}
