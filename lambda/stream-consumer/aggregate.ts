import type { KinesisStreamRecord } from 'aws-lambda';
import { type EventType, minuteOf, type StreamEvent } from '../../lib/contracts/event';

/** One distinct (contentId, type, minute) of a batch: what one view write adds, and the records behind it. */
export interface KeyDelta {
  readonly contentId: string;
  readonly type: EventType;
  /** `yyyy-MM-ddTHH:mm`, UTC. */
  readonly minute: string;
  count: number;
  watchSeconds: number;
  /**
   * Every record that contributed to this key, in-batch duplicates included: if the write fails, all of them are
   * reported as batch item failures so they are redelivered together. Empty when the caller does not need them
   * (a tumbling window never reports records as failed).
   */
  readonly records: KinesisStreamRecord[];
}

export interface Aggregated {
  readonly deltas: KeyDelta[];
  /** Valid records skipped because an earlier record of the same batch had the same eventId. */
  readonly duplicatesInBatch: number;
}

/**
 * Pre-aggregates a batch per (contentId, type, minute of occurredAt), deduplicating by eventId within the batch
 * (the first occurrence in batch order wins). Duplicates across batches are not seen here: they over-count the speed
 * view until the batch view replaces it (see README, "Delivery semantics"). With `keepRecords: false` the deltas do
 * not list their records (for callers that never report records as failed).
 */
export function aggregate(
  events: readonly { readonly record: KinesisStreamRecord; readonly event: StreamEvent }[],
  keepRecords = true,
): Aggregated {
  const byKey = new Map<string, KeyDelta>();
  const firstByEventId = new Map<string, KeyDelta>();
  let duplicatesInBatch = 0;
  for (const { record, event } of events) {
    const seen = firstByEventId.get(event.eventId);
    if (seen !== undefined) {
      duplicatesInBatch++;
      if (keepRecords) seen.records.push(record);
      continue;
    }
    const minute = minuteOf(event.occurredAt);
    // contentId cannot contain '#' (contract), and type and minute cannot either, so the joined key is unambiguous
    const key = `${event.contentId}#${event.type}#${minute}`;
    let delta = byKey.get(key);
    if (delta === undefined) {
      delta = {
        contentId: event.contentId,
        type: event.type,
        minute,
        count: 0,
        watchSeconds: 0,
        records: [],
      };
      byKey.set(key, delta);
    }
    delta.count++;
    delta.watchSeconds += event.watchSeconds ?? 0;
    if (keepRecords) delta.records.push(record);
    firstByEventId.set(event.eventId, delta);
  }
  return { deltas: [...byKey.values()], duplicatesInBatch };
}
