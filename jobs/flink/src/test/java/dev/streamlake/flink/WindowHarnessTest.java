package dev.streamlake.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamlake.flink.config.ProcessingSettings;
import dev.streamlake.flink.model.Event;
import dev.streamlake.flink.model.WindowTotal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The production window operator (taken from the pipeline's graph) under a test harness. */
class WindowHarnessTest {
  private static long at(String iso) {
    return Instant.parse(iso).toEpochMilli();
  }

  private static Event event(String id, String iso, String type, int watch) {
    Event e = DedupeHarnessTest.event(id, at(iso));
    e.contentId = "match-1";
    e.type = type;
    e.watchSeconds = watch;
    return e;
  }

  private static StreamRecord<Event> record(Event e) {
    return new StreamRecord<>(e, e.occurredAt);
  }

  @SuppressWarnings("unchecked")
  private static KeyedOneInputStreamOperatorTestHarness<String, Event, WindowTotal> harness(Duration lateness)
      throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DataStream<Event> in = env.fromData(TypeInformation.of(Event.class), DedupeHarnessTest.event("x", 0));
    SingleOutputStreamOperator<WindowTotal> totals =
        ViewsPipeline.windowTotals(in, ProcessingSettings.defaults().withAllowedLateness(lateness));
    Transformation<WindowTotal> t = totals.getTransformation();
    OneInputTransformation<Event, WindowTotal> window = (OneInputTransformation<Event, WindowTotal>) t;
    KeyedOneInputStreamOperatorTestHarness<String, Event, WindowTotal> h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            (OneInputStreamOperator<Event, WindowTotal>) window.getOperator(),
            new ViewsPipeline.ByWindowKey(),
            TypeInformation.of(String.class));
    h.open();
    return h;
  }

  private static List<String> totals(KeyedOneInputStreamOperatorTestHarness<String, Event, WindowTotal> h) {
    return h.extractOutputValues().stream().map(WindowTotal::toString).collect(Collectors.toList());
  }

  @Test
  void emitsOnTimeThenReEmitsTheCorrectedTotalForALateEvent() throws Exception {
    try (KeyedOneInputStreamOperatorTestHarness<String, Event, WindowTotal> h = harness(Duration.ofMinutes(10))) {
      h.processElement(record(event("1", "2026-11-20T23:59:10.000Z", "heartbeat", 30)));
      h.processElement(record(event("2", "2026-11-20T23:59:50.000Z", "heartbeat", 15)));
      h.processWatermark(new Watermark(at("2026-11-21T00:00:05.000Z")));
      assertEquals(List.of("match-1/heartbeat/2026-11-20T23:59 count=2 watchSeconds=45"), totals(h));

      h.processElement(record(event("3", "2026-11-20T23:59:30.000Z", "heartbeat", 5)));
      assertEquals(
          List.of(
              "match-1/heartbeat/2026-11-20T23:59 count=2 watchSeconds=45",
              "match-1/heartbeat/2026-11-20T23:59 count=3 watchSeconds=50"),
          totals(h));
      assertTrue(h.getSideOutput(ViewsPipeline.TOO_LATE) == null || h.getSideOutput(ViewsPipeline.TOO_LATE).isEmpty());
    }
  }

  @Test
  void anEventLaterThanTheAllowedLatenessGoesToTheTooLateOutputAndChangesNothing() throws Exception {
    try (KeyedOneInputStreamOperatorTestHarness<String, Event, WindowTotal> h = harness(Duration.ofMinutes(10))) {
      h.processElement(record(event("1", "2026-11-20T23:59:10.000Z", "like", 0)));
      h.processWatermark(new Watermark(at("2026-11-21T00:09:59.998Z")));
      h.processElement(record(event("2", "2026-11-20T23:59:20.000Z", "like", 0)));
      assertEquals(
          List.of(
              "match-1/like/2026-11-20T23:59 count=1 watchSeconds=0",
              "match-1/like/2026-11-20T23:59 count=2 watchSeconds=0"),
          totals(h));
      // 23:59:59.999 + 10 min = 00:09:59.999 is not after this watermark: the window's state is gone.
      h.processWatermark(new Watermark(at("2026-11-21T00:09:59.999Z")));
      h.processElement(record(event("3", "2026-11-20T23:59:30.000Z", "like", 0)));
      assertEquals(2, totals(h).size());
      List<String> late =
          h.getSideOutput(ViewsPipeline.TOO_LATE).stream()
              .map(r -> r.getValue().eventId)
              .collect(Collectors.toList());
      assertEquals(List.of("3"), late);
    }
  }
}
