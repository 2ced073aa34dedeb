package dev.streamlake.flink.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamlake.flink.config.ProcessingSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.clock.ManualClock;
import org.apache.flink.util.clock.RelativeClock;
import org.junit.jupiter.api.Test;

/** One split's watermark generator, on a manual input-activity clock. */
class EventTimeWatermarksTest {
  static final long T = Instant.parse("2026-11-20T23:40:00Z").toEpochMilli();
  static final ProcessingSettings DEFAULTS = ProcessingSettings.defaults(); // 5 s out of order, 60 s idleness

  /** What the generator emitted last. */
  static final class Out implements WatermarkOutput {
    long watermark = Long.MIN_VALUE;
    boolean idle;

    @Override
    public void emitWatermark(Watermark w) {
      watermark = w.getTimestamp();
      idle = false;
    }

    @Override
    public void markIdle() {
      idle = true;
    }

    @Override
    public void markActive() {
      idle = false;
    }
  }

  final ManualClock clock = new ManualClock();
  final WatermarkStrategy<byte[]> strategy = EventTimeWatermarks.forRawRecords(DEFAULTS);
  final TimestampAssigner<byte[]> timestamps = strategy.createTimestampAssigner(() -> null);
  final WatermarkGenerator<byte[]> generator =
      strategy.createWatermarkGenerator(
          new WatermarkGeneratorSupplier.Context() {
            @Override
            public MetricGroup getMetricGroup() {
              return new UnregisteredMetricsGroup();
            }

            @Override
            public RelativeClock getInputActivityClock() {
              return clock;
            }
          });
  final Out out = new Out();

  static byte[] at(long millis) {
    return ("{\"eventId\":\"00000000-0000-4000-8000-000000000001\",\"type\":\"like\",\"userId\":\"u\","
            + "\"contentId\":\"match-1\",\"occurredAt\":\"" + dev.streamlake.flink.model.TimeFormat.iso(millis)
            + "\",\"region\":\"IN-MH\",\"device\":\"android\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** Lets time pass second by second with the periodic emission in between (every 200 ms in a job). */
  void pass(int seconds) {
    for (int i = 0; i < seconds; i++) {
      generator.onPeriodicEmit(out);
      clock.advanceTime(1, TimeUnit.SECONDS);
    }
    generator.onPeriodicEmit(out);
  }

  void feed(byte[] record) {
    generator.onEvent(record, timestamps.extractTimestamp(record, 0L), out);
  }

  @Test
  void timestampsAreTheRecordsOccurredAtAndUntimedWhenItCannotBeRead() {
    assertEquals(T + 1, timestamps.extractTimestamp(at(T + 1), 0L));
    assertEquals(EventTimeWatermarks.UNTIMED, timestamps.extractTimestamp("{not json".getBytes(StandardCharsets.UTF_8), 0L));
  }

  @Test
  void theWatermarkTrailsTheNewestEventTimeByTheOutOfOrderness() {
    feed(at(T));
    feed(at(T + 10_000));
    feed(at(T + 2_000)); // out of order: does not move it back
    generator.onPeriodicEmit(out);
    assertEquals(T + 10_000 - 5_000 - 1, out.watermark);
  }

  @Test
  void aMalformedRecordWithAReadableTimeDoesNotMoveTheWatermark() {
    feed(at(T));
    byte[] brokenButTimed = new String(at(T + 3_600_000), StandardCharsets.UTF_8)
        .replace("\"contentId\":\"match-1\"", "\"contentId\":\"\"")
        .getBytes(StandardCharsets.UTF_8);
    assertEquals(T + 3_600_000, EventTimeRange.occurredAt(brokenButTimed), "its occurredAt is readable");
    assertEquals(EventTimeWatermarks.UNTIMED, timestamps.extractTimestamp(brokenButTimed, 0L));
    feed(brokenButTimed);
    generator.onPeriodicEmit(out);
    assertEquals(T - 5_000 - 1, out.watermark);
  }

  @Test
  void recordsWithoutATimeNeitherMoveTheWatermarkNorKeepTheSplitActive() {
    feed(at(T));
    generator.onPeriodicEmit(out);
    long before = out.watermark;
    for (int i = 0; i < 62; i++) {
      feed("{not json".getBytes(StandardCharsets.UTF_8));
      pass(1);
    }
    assertTrue(out.idle, "a split delivering only records without a time goes idle (does not stall the windows)");
    assertEquals(before, out.watermark);
  }

  @Test
  void aSplitWithTimedRecordsStaysActiveAndOneSilentForTheIdlenessBecomesIdle() {
    feed(at(T));
    pass(59);
    feed(at(T + 1));
    pass(59);
    assertFalse(out.idle);
    pass(3); // idle once more than 60 s passed since the first periodic emission without a record
    assertTrue(out.idle);
    feed(at(T + 2));
    pass(0);
    assertFalse(out.idle, "active again with its next timed record");
  }

  @Test
  void zeroIdlenessNeverMarksASplitIdle() {
    WatermarkGenerator<byte[]> never =
        EventTimeWatermarks.forRawRecords(DEFAULTS.withIdleness(Duration.ZERO)).createWatermarkGenerator(() -> null);
    never.onEvent(at(T), T, out);
    never.onPeriodicEmit(out);
    assertFalse(out.idle);
  }
}
