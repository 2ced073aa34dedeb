/** The shapes the local Kinesis event source mapping shares with its callers (see ../esm-poller.ts). */
import type {
  Context,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamStateResponse,
  KinesisStreamTumblingWindowEvent,
} from 'aws-lambda';

/**
 * The event of a tumbling-window invocation as the developer guide's example shows it: `@types/aws-lambda`'s
 * `KinesisStreamTumblingWindowEvent` plus the `shardId` and `eventSourceARN` the example carries.
 */
export interface TumblingWindowEvent extends KinesisStreamTumblingWindowEvent {
  shardId: string;
  eventSourceARN: string;
  state: { [key: string]: unknown };
}

export type KinesisHandler = (
  event: KinesisStreamEvent | TumblingWindowEvent,
  context: Context,
  // biome-ignore lint/suspicious/noConfusingVoidType: a Lambda handler may return nothing (no partial batch response)
) => Promise<KinesisStreamBatchResponse | KinesisStreamStateResponse | undefined | void>;

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
  /** Epoch ms the stream accepted the record (`ApproximateArrivalTimestamp`). */
  readonly arrivalMs: number;
}

/** Receives the on-failure destination message (an SQS SendMessage body on AWS). */
export type FailureDestination = (message: OnFailureMessage) => Promise<void>;

/**
 * The message Lambda sends to an ESM on-failure destination for a Kinesis source (SQS/SNS: this document; S3 adds the
 * invocation's payload), as the developer guide's example shows it ("Retain discarded batch records for a Kinesis Data
 * Streams event source in Lambda", kinesis-on-failure-destination). It describes the batch, never its records' data.
 */
export interface OnFailureMessage {
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
    readonly approximateInvokeCount: number;
  };
  /** Absent when no invocation was made (records too old before the first one). */
  readonly responseContext?: {
    readonly statusCode: number;
    readonly executedVersion: string;
    readonly functionError?: string;
  };
  readonly version: '1.0';
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

/** Wall clock and waiting: the real ones by default, a fake in tests. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

export interface PollerConfig {
  readonly streamArn: string;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly bisectOnError: boolean;
  /** -1 = retry until the record expires. */
  readonly maxRetryAttempts: number;
  /** -1 = no limit. */
  readonly maxRecordAgeSeconds: number;
  readonly reportBatchItemFailures: boolean;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** `TumblingWindowInSeconds`: 0 = no tumbling window, otherwise 1 to 900. */
  readonly tumblingWindowSeconds: number;
  /** `ParallelizationFactor`: concurrent batches per shard, 1 to 10. */
  readonly parallelizationFactor: number;
  /** Pause between empty polls. AWS polls each shard about once a second. @default 250 */
  readonly pollIntervalMs?: number;
  /** Backoff before a retry; doubles per attempt, capped at 2 s. @default 50 */
  readonly retryBaseDelayMs?: number;
  /** JSON file that keeps the per-shard checkpoints across restarts. @default - in memory only */
  readonly checkpointFile?: string;
  readonly initialCheckpoints?: Record<string, string>;
  /** @default SYSTEM_CLOCK */
  readonly clock?: Clock;
}

export interface InvocationRecord {
  readonly shardId: string;
  readonly records: readonly SourceRecord[];
  readonly startedMs: number;
  readonly endedMs: number;
  readonly outcome: 'ok' | 'partial' | 'error';
  /** Sequence number the partial response asked to retry from. */
  readonly retryFrom?: string;
  /** Tumbling-window invocations only: the window's bounds, as the event carried them. */
  readonly window?: { readonly start: string; readonly end: string };
  readonly isFinalInvokeForWindow?: boolean;
  readonly isWindowTerminatedEarly?: boolean;
  /** Tumbling-window invocations that succeeded: UTF-8 bytes of the returned state's JSON. */
  readonly stateBytes?: number;
  /**
   * Lambda's `IteratorAge` for this invocation: "the age of the last record in the event" (when it started, minus the
   * record's arrival). A final invocation has no records; here it reports the age of the window's last record, so a
   * final invocation that keeps failing shows an age that grows with every retry.
   */
  readonly iteratorAgeMs?: number;
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
  /** Windows whose final invocation (`isFinalInvokeForWindow`, not terminated early) succeeded. */
  windowsClosed: number;
  /** Windows ended early because a returned state exceeded the state limit (their terminating invocation succeeded). */
  windowsTerminatedEarly: number;
}

/** What one invocation amounted to, as the retry logic sees it. */
export type Outcome =
  | { readonly kind: 'ok' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'partial'; readonly fromIndex: number };

/** What every shard of one poller shares. */
export interface WorkerContext {
  readonly source: ShardSource;
  readonly handler: KinesisHandler;
  readonly onFailure: FailureDestination;
  readonly config: PollerConfig;
  readonly clock: Clock;
  readonly stats: PollerStats;
  /** `shardId:sequenceNumber` of every record handed to the handler (to count re-deliveries). */
  readonly delivered: Set<string>;
  readonly emit: (inv: InvocationRecord) => void;
  readonly stopping: () => boolean;
  readonly draining: () => boolean;
  /** Persisted checkpoints, shared by all shards. */
  readonly checkpoints: Record<string, string>;
}
