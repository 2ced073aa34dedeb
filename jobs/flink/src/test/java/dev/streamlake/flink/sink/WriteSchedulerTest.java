package dev.streamlake.flink.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class WriteSchedulerTest {
  static List<String> keys(List<Map.Entry<String, String>> batch) {
    return batch.stream().map(Map.Entry::getKey).collect(Collectors.toList());
  }

  @Test
  void batchesHoldAtMostTheLimitAndNoKeyTwice() {
    WriteScheduler<String> s = new WriteScheduler<>(25, 100, true);
    for (int i = 0; i < 60; i++) {
      s.add("k" + (i % 30), "v" + i); // 30 keys, each written twice: the second replaces the first
    }
    List<Map.Entry<String, String>> first = s.nextBatch(true);
    List<Map.Entry<String, String>> second = s.nextBatch(true);
    assertEquals(25, first.size());
    assertEquals(5, second.size());
    Set<String> all = new HashSet<>(keys(first));
    all.addAll(keys(second));
    assertEquals(30, all.size());
    assertEquals("v30", first.get(0).getValue(), "the newest write of k0");
    assertEquals(30, s.superseded());
    assertTrue(s.nextBatch(true).isEmpty());
  }

  @Test
  void aKeyInFlightIsNotSentAgainUntilItsWriteIsAnswered() {
    WriteScheduler<String> s = new WriteScheduler<>(25, 100, true);
    s.add("a", "1");
    assertEquals(List.of("a"), keys(s.nextBatch(true)));
    s.add("a", "2");
    s.add("b", "1");
    assertEquals(List.of("b"), keys(s.nextBatch(true)), "a waits");
    s.add("a", "3"); // replaces the waiting "2"
    assertTrue(s.nextBatch(true).isEmpty());
    assertEquals(1, s.buffered());
    s.answered(List.of("a"), 0);
    List<Map.Entry<String, String>> next = s.nextBatch(true);
    assertEquals(List.of(Map.entry("a", "3")), next);
  }

  @Test
  void aFailedWriteStaysLockedUntilRetriedAndIsDroppedWhenANewerWriteWaits() {
    WriteScheduler<String> s = new WriteScheduler<>(25, 100, true);
    s.add("a", "1");
    s.add("b", "1");
    List<Map.Entry<String, String>> batch = s.nextBatch(true);
    s.answered(List.of(), 2); // both unprocessed
    s.add("a", "2"); // newer write of a, while a awaits its retry
    assertTrue(s.nextBatch(true).isEmpty(), "a and b are still locked");
    assertEquals(3, s.buffered());
    s.retry(batch);
    List<Map.Entry<String, String>> retried = s.nextBatch(true);
    assertEquals(Set.of(Map.entry("a", "2"), Map.entry("b", "1")), new HashSet<>(retried));
    s.answered(keys(retried), 0);
    assertTrue(s.idle());
  }

  @Test
  void respectsTheRequestLimit() {
    WriteScheduler<String> s = new WriteScheduler<>(1, 2, true);
    s.add("a", "1");
    s.add("b", "1");
    s.add("c", "1");
    assertEquals(1, s.nextBatch(true).size());
    assertEquals(1, s.nextBatch(true).size());
    assertTrue(s.nextBatch(true).isEmpty());
    assertEquals(2, s.inFlightRequests());
    s.answered(List.of("a"), 0);
    assertEquals(List.of("c"), keys(s.nextBatch(true)));
  }

  @Test
  void withoutKeyOrderingAKeyGoesOutTwiceAndAnOldRetryCanLandLast() {
    // The variant the per-key lock exists to prevent (the connector with several requests in flight).
    WriteScheduler<String> s = new WriteScheduler<>(25, 100, false);
    s.add("a", "old");
    List<Map.Entry<String, String>> first = s.nextBatch(true);
    s.add("a", "new");
    assertEquals(List.of(Map.entry("a", "new")), s.nextBatch(true), "sent while the old write is in flight");
    s.answered(List.of(), 1); // the old write is throttled
    s.answered(List.of("a"), 0); // the new one lands
    s.retry(first);
    assertEquals(List.of(Map.entry("a", "old")), s.nextBatch(true), "the stale total is written after the newer one");
  }

  @Test
  void batchesThatAreNotFullWaitWhileAQuarterOfTheRequestsAreInFlightUnlessFlushing() {
    WriteScheduler<String> s = new WriteScheduler<>(25, 8, true);
    s.add("a", "1");
    assertEquals(1, s.nextBatch(false).size(), "idle: a partial batch goes at once");
    s.add("c", "1");
    assertEquals(1, s.nextBatch(false).size());
    s.add("d", "1");
    assertTrue(s.nextBatch(false).isEmpty(), "2 of 8 in flight: wait for a full batch");
    for (int i = 0; i < 24; i++) {
      s.add("k" + i, "1");
    }
    assertEquals(25, s.nextBatch(false).size(), "a full batch goes");
    s.add("e", "1");
    assertEquals(1, s.nextBatch(true).size(), "flushing sends what there is");
  }

  @Test
  void rejectsLimitsDynamoDbDoesNotAllow() {
    assertThrows(IllegalArgumentException.class, () -> new WriteScheduler<String>(26, 1, true));
    assertThrows(IllegalArgumentException.class, () -> new WriteScheduler<String>(25, 0, true));
  }
}
