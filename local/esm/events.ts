/** Builds the events and context the local event source mapping hands to the handler, and reads its responses. */
import type {
  Context,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from 'aws-lambda';
import { toKinesisEnvelope } from '../../lambda/stream-consumer/envelope';
import type { Outcome, SourceRecord, TumblingWindowEvent } from './types';
import type { WindowBounds } from './windows';

/** Kinesis records in the envelope Lambda uses (data base64, arrival in seconds, `eventID` = shard:sequence). */
export function toKinesisRecords(
  shardId: string,
  streamArn: string,
  records: readonly SourceRecord[],
): KinesisStreamRecord[] {
  return toKinesisEnvelope(shardId, streamArn, records, {
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/streamlake-local',
    defaultRegion: 'us-east-1',
  });
}

export function batchEvent(
  shardId: string,
  streamArn: string,
  records: readonly SourceRecord[],
): KinesisStreamEvent {
  return { Records: toKinesisRecords(shardId, streamArn, records) };
}

export interface WindowInvocation {
  readonly bounds: WindowBounds;
  /** The state to hand over, as JSON: parsed afresh for every invocation, so no object is shared. */
  readonly stateJson: string;
  readonly isFinalInvokeForWindow: boolean;
  readonly isWindowTerminatedEarly: boolean;
}

export function windowEvent(
  shardId: string,
  streamArn: string,
  records: readonly SourceRecord[],
  w: WindowInvocation,
): TumblingWindowEvent {
  return {
    Records: toKinesisRecords(shardId, streamArn, records),
    window: { start: w.bounds.start, end: w.bounds.end },
    state: JSON.parse(w.stateJson) as Record<string, unknown>,
    shardId,
    eventSourceARN: streamArn,
    isFinalInvokeForWindow: w.isFinalInvokeForWindow,
    isWindowTerminatedEarly: w.isWindowTerminatedEarly,
  };
}

/**
 * Maps a partial batch response to the index to retry from (the lowest failed sequence number). AWS treats a null,
 * empty or unknown item identifier as a failure of the whole batch.
 */
export function interpretBatchResponse(
  records: readonly SourceRecord[],
  response: unknown,
  reportBatchItemFailures: boolean,
): Outcome {
  if (!reportBatchItemFailures) return { kind: 'ok' };
  const failures =
    typeof response === 'object' && response !== null && 'batchItemFailures' in response
      ? ((response as Partial<KinesisStreamBatchResponse>).batchItemFailures ?? [])
      : [];
  if (!Array.isArray(failures) || failures.length === 0) return { kind: 'ok' };
  let lowest = Number.POSITIVE_INFINITY;
  for (const f of failures) {
    const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const idx = typeof id === 'string' && id !== '' ? records.findIndex((r) => r.sequenceNumber === id) : -1;
    if (idx < 0) return { kind: 'partial', fromIndex: 0 };
    lowest = Math.min(lowest, idx);
  }
  return { kind: 'partial', fromIndex: lowest };
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

let invokeCount = 0;

/** The function the local event source mapping invokes (in-process). */
export const LOCAL_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:stream-consumer-local';

/** A Lambda context for one invocation (60 s deadline, the function's timeout). */
export function lambdaContext(now: () => number): Context {
  invokeCount += 1;
  const deadline = now() + 60_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'stream-consumer-local',
    functionVersion: '$LATEST',
    invokedFunctionArn: LOCAL_FUNCTION_ARN,
    memoryLimitInMB: '1024',
    awsRequestId: `local-${invokeCount}`,
    logGroupName: '/aws/lambda/stream-consumer-local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
