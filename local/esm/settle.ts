/**
 * The error handling of one batch (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html, "Error handling",
 * and services-kinesis-batchfailurereporting.html): retries up to `MaximumRetryAttempts`, records older than
 * `MaximumRecordAgeInSeconds` given up, bisection of a failed batch ("Splitting a batch does not count towards the
 * retry quota"), partial batch responses ("Lambda uses the record with the lowest sequence number as the
 * checkpoint. Lambda then retries all records starting from that checkpoint"; with bisect on as well, "the batch is
 * bisected at the returned sequence number and Lambda retries only the remaining records"), and the on-failure
 * destination for what is given up.
 */
import { LOCAL_FUNCTION_ARN } from './events';
import type { Clock, OnFailureMessage, Outcome, PollerConfig, PollerStats, SourceRecord } from './types';

const MAX_RETRY_DELAY_MS = 2000;

export interface SettleDeps {
  readonly config: PollerConfig;
  readonly clock: Clock;
  readonly stats: PollerStats;
  /** True when the poller stops without draining: retries are abandoned, the records stay unsettled. */
  readonly abandon: () => boolean;
  invoke(records: SourceRecord[]): Promise<Outcome>;
  toDestination(
    records: SourceRecord[],
    condition: OnFailureMessage['requestContext']['condition'],
    invokeCount: number,
    functionError?: string,
  ): Promise<void>;
}

export function retryDelayMs(config: PollerConfig, attempt: number): number {
  return Math.min((config.retryBaseDelayMs ?? 50) * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
}

/**
 * Invokes until every record of the batch succeeded or was given up to the destination (true), or the poller stopped
 * without draining (false). Never throws for handler failures. Sub-batches run one after the other, in order.
 */
export async function settleBatch(batch: SourceRecord[], deps: SettleDeps): Promise<boolean> {
  const { config, clock } = deps;
  const pending: SourceRecord[][] = [batch];
  while (pending.length > 0) {
    let current = pending.shift() as SourceRecord[];
    let attempts = 0;
    let invokes = 0;
    for (;;) {
      const maxAgeMs = config.maxRecordAgeSeconds * 1000;
      const now = clock.now();
      if (config.maxRecordAgeSeconds >= 0 && current.some((r) => now - r.arrivalMs > maxAgeMs)) {
        await deps.toDestination(current, 'RecordAgeExceeded', invokes);
        break;
      }
      const outcome = await deps.invoke(current);
      invokes += 1;
      if (outcome.kind === 'ok') break;
      if (outcome.kind === 'partial') {
        current = current.slice(outcome.fromIndex);
      } else if (config.bisectOnError && current.length > 1) {
        const half = Math.ceil(current.length / 2);
        deps.stats.bisections += 1;
        pending.unshift(current.slice(half));
        current = current.slice(0, half);
        attempts = 0;
        continue;
      }
      attempts += 1;
      if (config.maxRetryAttempts >= 0 && attempts > config.maxRetryAttempts) {
        await deps.toDestination(
          current,
          'RetryAttemptsExhausted',
          invokes,
          outcome.kind === 'error' ? outcome.message : undefined,
        );
        break;
      }
      if (deps.abandon()) return false;
      await clock.sleep(retryDelayMs(config, attempts));
    }
  }
  return true;
}

/** The on-failure message for a batch: it describes the records (shard, sequence range, arrival), never their data. */
export function onFailureMessage(
  shardId: string,
  streamArn: string,
  records: readonly SourceRecord[],
  condition: OnFailureMessage['requestContext']['condition'],
  invokeCount: number,
  nowMs: number,
  functionError?: string,
): OnFailureMessage | undefined {
  const first = records[0];
  const last = records[records.length - 1];
  if (!first || !last) return undefined;
  return {
    requestContext: {
      requestId: `local-destination-${shardId}-${first.sequenceNumber}-${invokeCount}`,
      functionArn: LOCAL_FUNCTION_ARN,
      condition,
      approximateInvokeCount: invokeCount,
    },
    responseContext:
      invokeCount > 0
        ? { statusCode: 200, executedVersion: '$LATEST', ...(functionError ? { functionError } : {}) }
        : undefined,
    version: '1.0',
    timestamp: new Date(nowMs).toISOString(),
    KinesisBatchInfo: {
      shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      approximateArrivalOfFirstRecord: new Date(first.arrivalMs).toISOString(),
      approximateArrivalOfLastRecord: new Date(last.arrivalMs).toISOString(),
      batchSize: records.length,
      streamArn,
    },
  };
}
