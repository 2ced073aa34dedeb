import { createHash } from 'node:crypto';
import {
  type DynamoDBClient,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
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

/** The string-set attribute of a speed row that lists the flush tokens already applied to it. */
export const FLUSH_TOKENS_ATTRIBUTE = viewTable.speedFlush.tokensAttribute;

/**
 * A write token: what one flush (or one re-drive) adds, named by what identifies it across retries, so the same
 * write applied twice adds once (lib/contracts/view-table.json, speedFlush). 22 base64url characters (132 bits).
 */
export function flushToken(...parts: readonly (string | number)[]): string {
  return createHash('sha256')
    .update(parts.join('\u0000'))
    .digest('base64url')
    .slice(0, viewTable.speedFlush.tokenLength);
}

/** `added`: the delta was added; `already-applied`: the row already carried the token, nothing was added. */
export type AddResult = 'added' | 'already-applied';

/** Adds one key's delta to the speed view. Implementations throw on failure; see {@link isTransientError}. */
export interface ViewWriter {
  /** With a `token`, adds the delta only if the row has not received that token yet. */
  add(delta: KeyDelta, token?: string): Promise<AddResult>;
}

/**
 * The DynamoDB writer: one UpdateItem per key, `ADD` for the counters (atomic, commutative, so concurrent batches
 * of other shards touching the same key never lose an update) and `SET` for the descriptive attributes. With a token,
 * the same UpdateItem also ADDs the token to the row's token set, on condition that the set does not hold it yet:
 * the counters and the token change together or not at all, so a retry of the same flush adds nothing twice.
 */
export class DynamoViewWriter implements ViewWriter {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly ttlDays: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async add(delta: KeyDelta, token?: string): Promise<AddResult> {
    const { pk, sk } = speedKey(delta);
    const names: Record<string, string> = {
      '#c': ATTR.count,
      '#w': ATTR.watchSeconds,
      '#b': ATTR.bucketStart,
      '#u': ATTR.updatedAt,
      '#e': ATTR.expiresAt,
    };
    const values: UpdateItemCommandInput['ExpressionAttributeValues'] = {
      ':c': { N: String(delta.count) },
      ':w': { N: String(delta.watchSeconds) },
      ':b': { S: bucketStartOf(delta.minute) },
      ':u': { S: this.now().toISOString() },
      ':e': { N: String(expiresAtOf(delta.minute, this.ttlDays)) },
    };
    let update = 'ADD #c :c, #w :w SET #b = :b, #u = :u, #e = :e';
    let condition: string | undefined;
    if (token !== undefined) {
      names['#t'] = FLUSH_TOKENS_ATTRIBUTE;
      values[':t'] = { SS: [token] };
      values[':tok'] = { S: token };
      update = 'ADD #c :c, #w :w, #t :t SET #b = :b, #u = :u, #e = :e';
      condition = 'NOT contains(#t, :tok)';
    }
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [viewTable.partitionKey]: { S: pk }, [viewTable.sortKey]: { S: sk } },
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (token !== undefined && (error as { name?: unknown }).name === 'ConditionalCheckFailedException')
        return 'already-applied';
      throw error;
    }
    return 'added';
  }
}

/** A speed row as the in-memory writer keeps it (the same attributes the DynamoDB writer produces). */
export interface SpeedRow {
  eventCount: number;
  watchSeconds: number;
  bucketStart: string;
  expiresAt: number;
  /** Flush tokens applied to the row. */
  tokens: Set<string>;
}

/** In-memory writer with the same ADD semantics, for tests and the benchmark. */
export class MemoryViewWriter implements ViewWriter {
  readonly rows = new Map<string, SpeedRow>();
  writes = 0;
  constructor(private readonly ttlDays = viewTable.speedRowTtlDays) {}

  async add(delta: KeyDelta, token?: string): Promise<AddResult> {
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
        tokens: new Set(token === undefined ? [] : [token]),
      });
      return 'added';
    }
    if (token !== undefined) {
      if (row.tokens.has(token)) return 'already-applied';
      row.tokens.add(token);
    }
    row.eventCount += delta.count;
    row.watchSeconds += delta.watchSeconds;
    return 'added';
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
  /** Writes that succeeded, `alreadyApplied` included. */
  readonly written: number;
  /** Writes whose token the row already carried (a retry of a flush that had written them): nothing added. */
  readonly alreadyApplied: number;
  /** Keys whose write failed transiently: their records must be redelivered. */
  readonly failed: KeyDelta[];
}

/**
 * Writes every delta (with `token`, idempotently: see {@link ViewWriter.add}) with at most `concurrency` writes in
 * flight. Transient failures are collected; the first
 * non-transient failure stops new writes and, once the writes in flight have settled, is thrown as a ViewWriteError.
 */
export async function writeAll(
  deltas: readonly KeyDelta[],
  writer: ViewWriter,
  concurrency: number,
  token?: string,
): Promise<WriteOutcome> {
  let next = 0;
  let written = 0;
  let alreadyApplied = 0;
  const failed: KeyDelta[] = [];
  let fatal: ViewWriteError | undefined;
  const worker = async (): Promise<void> => {
    while (fatal === undefined && next < deltas.length) {
      const delta = deltas[next++];
      try {
        if ((await writer.add(delta, token)) === 'already-applied') alreadyApplied++;
        written++;
      } catch (error) {
        if (isTransientError(error)) failed.push(delta);
        else fatal ??= new ViewWriteError(speedKey(delta), error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, deltas.length)) }, worker));
  if (fatal !== undefined) throw fatal;
  return { written, alreadyApplied, failed };
}
