/**
 * A local Kinesis event source mapping: polls every shard of a stream and invokes a Lambda handler in-process
 * with the semantics the ESM documents (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html):
 *
 * - one poller per shard, batches in shard order, a shard's next batch only after the current one is settled;
 * - batch size and batching window (invoke when the batch is full, or when the window has passed, or when stopping);
 * - partial batch responses (`ReportBatchItemFailures`): retry from the lowest failed sequence number; an empty or
 *   unknown item identifier fails the whole batch;
 * - bisect on error: a failed batch of n > 1 records is split in two halves that are retried separately
 *   (splits do not count as retry attempts, as on AWS);
 * - bounded retries (`MaximumRetryAttempts`, -1 = until the record expires) and maximum record age
 *   (`MaximumRecordAgeInSeconds`, -1 = no limit): on exhaustion the batch goes to the on-failure destination as a
 *   message that describes it (shard, sequence range, size, condition), never its payload, and processing moves on;
 * - a checkpoint per shard (the last settled sequence number), so a restarted poller resumes after it.
 *
 * Not emulated: parallelization factor > 1 (the poller runs one batch per shard at a time, which is factor 1), tumbling
 * windows, filters, enhanced fan-out. Lambda's concurrency, timeouts and cold starts do not exist in-process.
 */
import { writeFileSync } from 'node:fs';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  type _Record as KinesisRecord,
  ListShardsCommand,
  type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import type {
  Context,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from 'aws-lambda';

export type KinesisHandler = (
  event: KinesisStreamEvent,
  context: Context,
  // biome-ignore lint/suspicious/noConfusingVoidType: a Lambda handler may return nothing (no partial batch response)
) => Promise<KinesisStreamBatchResponse | undefined | void>;

/** What the poller needs from Kinesis; the real client and a test double both provide it. */
export interface ShardSource {
  listShards(): Promise<string[]>;
  /** Iterator at `position`, or just after `afterSequenceNumber` when given. */
  iterator(
    shardId: string,
    position: 'TRIM_HORIZON' | 'LATEST',
    afterSequenceNumber?: string,
  ): Promise<string>;
  getRecords(
    iterator: string,
    limit: number,
  ): Promise<{ records: SourceRecord[]; nextIterator: string | undefined }>;
}

export interface SourceRecord {
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: Uint8Array;
  /** Epoch ms the stream accepted the record. */
  readonly arrivalMs: number;
}

/** Receives the on-failure destination message (an SQS SendMessage body on AWS). */
export type FailureDestination = (message: OnFailureMessage) => Promise<void>;

/** Shape of the message Lambda sends to an ESM on-failure destination for a stream source (abridged). */
export interface OnFailureMessage {
  readonly requestContext: {
    readonly condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
    readonly approximateInvokeCount: number;
  };
  readonly responseContext?: { readonly functionError?: string };
  readonly timestamp: string;
  readonly KinesisBatchInfo: {
    readonly shardId: string;
    readonly startSequenceNumber: string;
    readonly endSequenceNumber: string;
    readonly approximateArrivalOfFirstRecord: string;
    readonly approximateArrivalOfLastRecord: string;
    readonly batchSize: number;
    readonly streamArn: string;
  };
}

export interface PollerConfig {
  readonly streamArn: string;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly bisectOnError: boolean;
  readonly maxRetryAttempts: number;
  readonly maxRecordAgeSeconds: number;
  readonly reportBatchItemFailures: boolean;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** Pause between empty polls. AWS polls each shard about once a second. @default 250 */
  readonly pollIntervalMs?: number;
  /** Backoff before a retry; doubles per attempt, capped at 2 s. @default 50 */
  readonly retryBaseDelayMs?: number;
  /** JSON file that keeps the per-shard checkpoints across restarts. @default - in memory only */
  readonly checkpointFile?: string;
  readonly initialCheckpoints?: Record<string, string>;
}

export interface InvocationRecord {
  readonly shardId: string;
  readonly records: readonly SourceRecord[];
  readonly startedMs: number;
  readonly endedMs: number;
  readonly outcome: 'ok' | 'partial' | 'error';
  /** Sequence number the partial response asked to retry from. */
  readonly retryFrom?: string;
}

export interface PollerStats {
  invocations: number;
  /** Records handed to the handler, re-deliveries included. */
  recordsDelivered: number;
  /** Records handed to the handler more than once. */
  recordsRedelivered: number;
  failedInvocations: number;
  bisections: number;
  batchesToDestination: number;
  recordsToDestination: number;
}

const MAX_RETRY_DELAY_MS = 2000;
/** GetRecords returns at most 10,000 records. */
const MAX_GET_RECORDS = 10_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Outcome = { kind: 'ok' } | { kind: 'error'; message: string } | { kind: 'partial'; fromIndex: number };

export class EsmPoller {
  readonly stats: PollerStats = {
    invocations: 0,
    recordsDelivered: 0,
    recordsRedelivered: 0,
    failedInvocations: 0,
    bisections: 0,
    batchesToDestination: 0,
    recordsToDestination: 0,
  };
  readonly checkpoints: Record<string, string>;
  private stopping = false;
  private drainRequested = false;
  private workers: Promise<void>[] = [];
  private readonly delivered = new Set<string>();
  private readonly listeners: ((inv: InvocationRecord) => void)[] = [];
  private readonly caughtUp = new Map<string, boolean>();
  private invokeCount = 0;

  constructor(
    private readonly source: ShardSource,
    private readonly handler: KinesisHandler,
    private readonly onFailure: FailureDestination,
    private readonly config: PollerConfig,
  ) {
    if (!(config.batchSize >= 1)) throw new RangeError(`batchSize must be ≥ 1, got ${config.batchSize}`);
    this.checkpoints = { ...config.initialCheckpoints };
  }

  /** Called after every invocation settles (for latency measurement and progress). */
  onInvocation(listener: (inv: InvocationRecord) => void): void {
    this.listeners.push(listener);
  }

  async start(): Promise<void> {
    const shards = await this.source.listShards();
    this.workers = shards.map((s) => this.runShard(s));
  }

  /**
   * True when every shard's last poll came back empty and nothing is buffered or in flight. With no producer running,
   * this means everything on the stream has been settled.
   */
  get idle(): boolean {
    return this.caughtUp.size > 0 && [...this.caughtUp.values()].every(Boolean);
  }

  /** Stops polling; with `drain`, first settles what was already fetched (flushes a partly filled batching window). */
  async stop(drain = true): Promise<void> {
    this.drainRequested = drain;
    this.stopping = true;
    await Promise.all(this.workers);
  }

  private async runShard(shardId: string): Promise<void> {
    const pollInterval = this.config.pollIntervalMs ?? 250;
    const cp = this.checkpoints[shardId];
    let iterator: string | undefined = await this.source.iterator(shardId, this.config.startingPosition, cp);
    let buffer: SourceRecord[] = [];
    let windowStart = 0;
    this.caughtUp.set(shardId, false);
    while (iterator !== undefined) {
      if (this.stopping && (!this.drainRequested || buffer.length === 0)) break;
      let fetched = 0;
      if (!this.stopping && buffer.length < this.config.batchSize) {
        const r: { records: SourceRecord[]; nextIterator: string | undefined } = await this.source.getRecords(
          iterator,
          Math.min(MAX_GET_RECORDS, Math.max(this.config.batchSize - buffer.length, 1)),
        );
        iterator = r.nextIterator;
        fetched = r.records.length;
        if (fetched > 0 && buffer.length === 0) windowStart = Date.now();
        buffer = buffer.concat(r.records);
      }
      const windowMs = this.config.maxBatchingWindowSeconds * 1000;
      const due =
        buffer.length >= this.config.batchSize ||
        (buffer.length > 0 && (Date.now() - windowStart >= windowMs || this.stopping));
      if (due) {
        const batch = buffer.slice(0, this.config.batchSize);
        buffer = buffer.slice(batch.length);
        if (buffer.length > 0) windowStart = Date.now();
        this.caughtUp.set(shardId, false);
        await this.settle(shardId, batch);
        const last = batch[batch.length - 1];
        if (last) this.setCheckpoint(shardId, last.sequenceNumber);
        continue;
      }
      this.caughtUp.set(shardId, fetched === 0 && buffer.length === 0);
      if (fetched === 0) await sleep(pollInterval);
    }
    this.caughtUp.set(shardId, true);
  }

  private setCheckpoint(shardId: string, seq: string): void {
    this.checkpoints[shardId] = seq;
    if (this.config.checkpointFile)
      writeFileSync(this.config.checkpointFile, JSON.stringify(this.checkpoints));
  }

  /** Invokes until the batch succeeds or is given up to the destination. Never throws for handler failures. */
  private async settle(shardId: string, batch: SourceRecord[]): Promise<void> {
    const pending: SourceRecord[][] = [batch];
    while (pending.length > 0) {
      let current = pending.shift() as SourceRecord[];
      let attempts = 0;
      let invokes = 0;
      for (;;) {
        const maxAgeMs = this.config.maxRecordAgeSeconds * 1000;
        if (
          this.config.maxRecordAgeSeconds >= 0 &&
          current.some((r) => Date.now() - r.arrivalMs > maxAgeMs)
        ) {
          await this.toDestination(shardId, current, 'RecordAgeExceeded', invokes);
          break;
        }
        const outcome = await this.invoke(shardId, current);
        invokes += 1;
        if (outcome.kind === 'ok') break;
        if (outcome.kind === 'partial') current = current.slice(outcome.fromIndex);
        if (this.config.bisectOnError && current.length > 1) {
          const half = Math.ceil(current.length / 2);
          this.stats.bisections += 1;
          pending.unshift(current.slice(half));
          current = current.slice(0, half);
          attempts = 0;
          continue;
        }
        attempts += 1;
        if (this.config.maxRetryAttempts >= 0 && attempts > this.config.maxRetryAttempts) {
          await this.toDestination(
            shardId,
            current,
            'RetryAttemptsExhausted',
            invokes,
            outcome.kind === 'error' ? outcome.message : undefined,
          );
          break;
        }
        if (this.stopping && !this.drainRequested) return;
        await sleep(Math.min((this.config.retryBaseDelayMs ?? 50) * 2 ** (attempts - 1), MAX_RETRY_DELAY_MS));
      }
    }
  }

  private async invoke(shardId: string, records: SourceRecord[]): Promise<Outcome> {
    const startedMs = Date.now();
    this.stats.invocations += 1;
    this.stats.recordsDelivered += records.length;
    for (const r of records) {
      const key = `${shardId}:${r.sequenceNumber}`;
      if (this.delivered.has(key)) this.stats.recordsRedelivered += 1;
      else this.delivered.add(key);
    }
    let outcome: Outcome;
    try {
      const response = await this.handler(this.toEvent(shardId, records), this.context());
      outcome = this.interpret(records, response ?? undefined);
    } catch (err) {
      outcome = {
        kind: 'error',
        message: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      };
    }
    if (outcome.kind !== 'ok') this.stats.failedInvocations += 1;
    const inv: InvocationRecord = {
      shardId,
      records,
      startedMs,
      endedMs: Date.now(),
      outcome: outcome.kind,
      retryFrom: outcome.kind === 'partial' ? records[outcome.fromIndex]?.sequenceNumber : undefined,
    };
    for (const l of this.listeners) l(inv);
    return outcome;
  }

  /** Maps a partial batch response to the index to retry from (the lowest failed sequence number). */
  private interpret(records: SourceRecord[], response: KinesisStreamBatchResponse | undefined): Outcome {
    if (!this.config.reportBatchItemFailures) return { kind: 'ok' };
    const failures = response?.batchItemFailures ?? [];
    if (failures.length === 0) return { kind: 'ok' };
    let lowest = Number.POSITIVE_INFINITY;
    for (const f of failures) {
      const idx = f.itemIdentifier ? records.findIndex((r) => r.sequenceNumber === f.itemIdentifier) : -1;
      // AWS treats a null, empty or unknown identifier as a failure of the whole batch.
      if (idx < 0) return { kind: 'partial', fromIndex: 0 };
      lowest = Math.min(lowest, idx);
    }
    return { kind: 'partial', fromIndex: lowest };
  }

  private async toDestination(
    shardId: string,
    records: SourceRecord[],
    condition: OnFailureMessage['requestContext']['condition'],
    invokeCount: number,
    functionError?: string,
  ): Promise<void> {
    const first = records[0];
    const last = records[records.length - 1];
    if (!first || !last) return;
    this.stats.batchesToDestination += 1;
    this.stats.recordsToDestination += records.length;
    await this.onFailure({
      requestContext: { condition, approximateInvokeCount: invokeCount },
      responseContext: functionError ? { functionError } : undefined,
      timestamp: new Date().toISOString(),
      KinesisBatchInfo: {
        shardId,
        startSequenceNumber: first.sequenceNumber,
        endSequenceNumber: last.sequenceNumber,
        approximateArrivalOfFirstRecord: new Date(first.arrivalMs).toISOString(),
        approximateArrivalOfLastRecord: new Date(last.arrivalMs).toISOString(),
        batchSize: records.length,
        streamArn: this.config.streamArn,
      },
    });
  }

  private toEvent(shardId: string, records: SourceRecord[]): KinesisStreamEvent {
    return {
      Records: records.map(
        (r): KinesisStreamRecord => ({
          kinesis: {
            kinesisSchemaVersion: '1.0',
            partitionKey: r.partitionKey,
            sequenceNumber: r.sequenceNumber,
            data: Buffer.from(r.data).toString('base64'),
            approximateArrivalTimestamp: r.arrivalMs / 1000,
          },
          eventSource: 'aws:kinesis',
          eventVersion: '1.0',
          eventID: `${shardId}:${r.sequenceNumber}`,
          eventName: 'aws:kinesis:record',
          invokeIdentityArn: 'arn:aws:iam::000000000000:role/streamlake-local',
          awsRegion: this.config.streamArn.split(':')[3] ?? 'us-east-1',
          eventSourceARN: this.config.streamArn,
        }),
      ),
    };
  }

  private context(): Context {
    this.invokeCount += 1;
    const deadline = Date.now() + 60_000;
    return {
      callbackWaitsForEmptyEventLoop: false,
      functionName: 'stream-consumer-local',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:stream-consumer-local',
      memoryLimitInMB: '1024',
      awsRequestId: `local-${this.invokeCount}`,
      logGroupName: '/aws/lambda/stream-consumer-local',
      logStreamName: 'local',
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
  }
}

/** ShardSource backed by a real (emulated) Kinesis stream. */
export function kinesisShardSource(client: KinesisClient, streamName: string): ShardSource {
  return {
    async listShards() {
      const out = await client.send(new ListShardsCommand({ StreamName: streamName }));
      return (out.Shards ?? []).map((s) => s.ShardId as string);
    },
    async iterator(shardId, position, after) {
      const type: ShardIteratorType = after ? 'AFTER_SEQUENCE_NUMBER' : position;
      const out = await client.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shardId,
          ShardIteratorType: type,
          StartingSequenceNumber: after,
        }),
      );
      return out.ShardIterator as string;
    },
    async getRecords(iterator, limit) {
      const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
      return {
        records: (out.Records ?? []).map((r: KinesisRecord) => ({
          sequenceNumber: r.SequenceNumber as string,
          partitionKey: r.PartitionKey as string,
          data: r.Data ?? new Uint8Array(),
          arrivalMs: r.ApproximateArrivalTimestamp?.getTime() ?? Date.now(),
        })),
        nextIterator: out.NextShardIterator,
      };
    },
  };
}
