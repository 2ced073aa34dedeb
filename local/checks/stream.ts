/** The producer's check: the stream, read back from every shard at TRIM_HORIZON, holds exactly the workload. */
import { b64, type Check, countBy, describeMultisetDiff, fail, multisetDiff, pass } from './check';

/** A record as read back from the stream (local/observe.ts). */
export interface StreamRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly data: Uint8Array;
}

export const STREAM_CHECK = 'the stream holds exactly the workload';

/**
 * Multiset equality of payloads: every produced record is on the stream once, nothing else is. Compares with what the
 * harness read back, not with the producer's own result (which would pass a producer that loses what it reports sent).
 */
export function checkStream(
  workload: readonly { data: Uint8Array }[],
  stream: readonly StreamRecord[],
): Check {
  const d = multisetDiff(
    countBy(workload, (r) => b64(r.data)),
    countBy(stream, (r) => b64(r.data)),
  );
  const shards = new Set(stream.map((r) => r.shardId)).size;
  const read = `${stream.length} records read back from ${shards} shard(s) at TRIM_HORIZON, ${workload.length} produced`;
  if (d.missing.size === 0 && d.extra.size === 0) return pass(STREAM_CHECK, `${read}: the same payloads`);
  return fail(STREAM_CHECK, `${read}: ${describeMultisetDiff(d, 'records')}`);
}

/** The last sequence number of each shard, from the records read back (the settle targets). */
export function shardTips(stream: readonly StreamRecord[]): Record<string, string> {
  const tips: Record<string, string> = {};
  for (const r of stream) {
    const cur = tips[r.shardId];
    if (cur === undefined || BigInt(r.sequenceNumber) > BigInt(cur)) tips[r.shardId] = r.sequenceNumber;
  }
  return tips;
}
