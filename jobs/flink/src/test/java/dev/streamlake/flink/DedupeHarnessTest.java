package dev.streamlake.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.streamlake.flink.functions.DedupeByEventId;
import dev.streamlake.flink.model.Event;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class DedupeHarnessTest {
  private static final long HORIZON_MS = 60 * 60 * 1000L;

  static Event event(String id, long at) {
    Event e = new Event();
    e.eventId = id;
    e.type = "like";
    e.userId = "u";
    e.contentId = "c";
    e.occurredAt = at;
    e.region = "r";
    e.device = "d";
    return e;
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, Event, Event> harness() throws Exception {
    KeyedOneInputStreamOperatorTestHarness<String, Event, Event> h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new DedupeByEventId(Duration.ofMillis(HORIZON_MS))),
            new ViewsPipeline.ByEventId(),
            Types.STRING);
    h.open();
    return h;
  }

  private static List<String> ids(KeyedOneInputStreamOperatorTestHarness<String, Event, Event> h) {
    return h.extractOutputValues().stream().map(e -> e.eventId).collect(Collectors.toList());
  }

  @Test
  void firstOccurrenceWinsWithinTheHorizon() throws Exception {
    try (KeyedOneInputStreamOperatorTestHarness<String, Event, Event> h = harness()) {
      h.setStateTtlProcessingTime(0);
      h.processElement(event("a", 1000), 1000);
      h.processElement(event("b", 2000), 2000);
      h.setStateTtlProcessingTime(HORIZON_MS - 1);
      h.processElement(event("a", 3000), 3000);
      assertEquals(List.of("a", "b"), ids(h));
    }
  }

  @Test
  void aDuplicateOlderThanTheHorizonCountsAgain() throws Exception {
    try (KeyedOneInputStreamOperatorTestHarness<String, Event, Event> h = harness()) {
      h.setStateTtlProcessingTime(0);
      h.processElement(event("a", 1000), 1000);
      h.setStateTtlProcessingTime(HORIZON_MS + 1);
      h.processElement(event("a", 1000), 1000);
      assertEquals(List.of("a", "a"), ids(h));
    }
  }

  @Test
  void theSeenSetSurvivesASnapshotAndRestore() throws Exception {
    org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot;
    try (KeyedOneInputStreamOperatorTestHarness<String, Event, Event> h = harness()) {
      h.setStateTtlProcessingTime(0);
      h.processElement(event("a", 1000), 1000);
      snapshot = h.snapshot(1, 1);
    }
    KeyedOneInputStreamOperatorTestHarness<String, Event, Event> restored =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new DedupeByEventId(Duration.ofMillis(HORIZON_MS))),
            new ViewsPipeline.ByEventId(),
            Types.STRING);
    restored.setStateTtlProcessingTime(10);
    restored.initializeState(snapshot);
    restored.open();
    restored.processElement(event("a", 1000), 1000);
    restored.processElement(event("b", 1000), 1000);
    assertEquals(List.of("b"), ids(restored));
    restored.close();
  }
}
