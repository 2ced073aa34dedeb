package dev.streamlake.flink.sink;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which writes go out next, in batches, so that the writes of one key land in the order they were accepted while the
 * writes of different keys go out concurrently. Single-threaded (the sink writer's mailbox thread) and free of I/O, so
 * its rules are unit-tested directly.
 *
 * <ul>
 *   <li>A key is in at most one request at a time ("locked" from being sent until it is acknowledged or its retry is
 *       re-queued). A write of a locked key waits in {@code blocked}; it is sent after the earlier write landed, so a
 *       late correction always lands after the total it corrects, also when that total was retried.
 *   <li>A newer write of a key that is still waiting replaces the older one (coalescing): the sink PUTs whole totals,
 *       so only the newest total of a key ever needs to reach the table. The same holds for a retry whose key has a
 *       newer write waiting: the retry is dropped, the newer write goes instead.
 *   <li>A batch holds at most {@code maxBatchSize} writes and never two of one key (BatchWriteItem rejects both).
 *   <li>At most {@code maxInFlightRequests} requests are outstanding; with 1 this is a strictly sequential writer.
 *   <li>A batch that is not full goes out only while fewer than a quarter of the requests are in flight (or when
 *       flushing): at low load a total is sent at once, at high load requests carry full batches, which costs less per
 *       item (DynamoDB bills per item either way).
 * </ul>
 *
 * @param <E> the write (an item)
 */
final class WriteScheduler<E> {
  private final int maxBatchSize;
  private final int maxInFlightRequests;
  private final int partialBatchesBelow;
  private final boolean keyOrdering;

  /** Writes that may be sent now, oldest key first. */
  private final LinkedHashMap<String, E> ready = new LinkedHashMap<>();
  /** The newest waiting write of each locked key. */
  private final Map<String, E> blocked = new HashMap<>();
  /** Keys in a request, or failed and waiting for their retry. */
  private final Set<String> locked = new HashSet<>();

  private int inFlightRequests;
  private int awaitingRetry;
  private long superseded;

  /**
   * @param keyOrdering false only to show, in tests, what the per-key lock prevents: without it a key can be in two
   *     requests at once and a retried older write can land after a newer one (the connector's behaviour with several
   *     requests in flight)
   */
  WriteScheduler(int maxBatchSize, int maxInFlightRequests, boolean keyOrdering) {
    if (maxBatchSize < 1 || maxBatchSize > 25) {
      throw new IllegalArgumentException("maxBatchSize must be 1..25 (BatchWriteItem), got " + maxBatchSize);
    }
    if (maxInFlightRequests < 1) {
      throw new IllegalArgumentException("maxInFlightRequests must be >= 1, got " + maxInFlightRequests);
    }
    this.maxBatchSize = maxBatchSize;
    this.maxInFlightRequests = maxInFlightRequests;
    this.partialBatchesBelow = Math.max(1, maxInFlightRequests / 4);
    this.keyOrdering = keyOrdering;
  }

  /** Accepts a write; an older write of the same key that has not been sent yet is replaced. */
  void add(String key, E write) {
    if (keyOrdering && locked.contains(key)) {
      if (blocked.put(key, write) != null) {
        superseded++;
      }
    } else if (ready.put(key, write) != null) {
      superseded++;
    }
  }

  /**
   * The next batch to send, or an empty list when nothing can be sent now; its keys are locked.
   *
   * @param flushing send a batch that is not full regardless of the requests in flight
   */
  List<Map.Entry<String, E>> nextBatch(boolean flushing) {
    if (inFlightRequests >= maxInFlightRequests || ready.isEmpty()) {
      return List.of();
    }
    if (!flushing && ready.size() < maxBatchSize && inFlightRequests >= partialBatchesBelow) {
      return List.of(); // more totals or an answer will come; then a fuller batch goes
    }
    List<Map.Entry<String, E>> batch = new ArrayList<>(Math.min(maxBatchSize, ready.size()));
    Iterator<Map.Entry<String, E>> it = ready.entrySet().iterator();
    while (batch.size() < maxBatchSize && it.hasNext()) {
      Map.Entry<String, E> e = it.next();
      it.remove();
      batch.add(Map.entry(e.getKey(), e.getValue()));
      if (keyOrdering) {
        locked.add(e.getKey());
      }
    }
    inFlightRequests++;
    return batch;
  }

  /**
   * A request was answered: {@code written} keys landed; {@code failed} writes did not and stay locked until {@link
   * #retry} re-queues them (after a back-off).
   */
  void answered(List<String> written, int failed) {
    inFlightRequests--;
    awaitingRetry += failed;
    for (String key : written) {
      unlock(key);
    }
  }

  /** Re-queues writes that failed, unless a newer write of the same key is waiting (then that one goes instead). */
  void retry(List<Map.Entry<String, E>> failed) {
    awaitingRetry -= failed.size();
    for (Map.Entry<String, E> f : failed) {
      String key = f.getKey();
      if (!keyOrdering) {
        if (ready.putIfAbsent(key, f.getValue()) != null) {
          superseded++;
        }
      } else if (blocked.containsKey(key)) {
        superseded++;
        unlock(key);
      } else {
        locked.remove(key);
        ready.put(key, f.getValue());
      }
    }
  }

  private void unlock(String key) {
    if (!keyOrdering) {
      return;
    }
    locked.remove(key);
    E next = blocked.remove(key);
    if (next != null) {
      ready.put(key, next);
    }
  }

  /** Requests sent and not answered yet. */
  int inFlightRequests() {
    return inFlightRequests;
  }

  /** Writes accepted and not written yet, not counting those in a request: waiting, blocked or awaiting a retry. */
  int buffered() {
    return ready.size() + blocked.size() + awaitingRetry;
  }

  /** Writes replaced by a newer write of the same key before they were sent (never written). */
  long superseded() {
    return superseded;
  }

  /** Nothing waiting, in flight or awaiting a retry. */
  boolean idle() {
    return inFlightRequests == 0 && buffered() == 0;
  }
}
