package dev.streamlake.flink.source;

import dev.streamlake.flink.config.ProcessingSettings;
import dev.streamlake.flink.functions.EventParser;
import dev.streamlake.flink.functions.MalformedEventException;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.BoundedOutOfOrdernessWatermarks;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.TimestampAssignerSupplier;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.eventtime.WatermarksWithIdleness;

/**
 * Event-time watermarks generated in the source, per split (one Kinesis shard, one archive object), on the raw record
 * bytes before parsing. Given to {@code env.fromSource}, the source keeps one generator per split and emits the
 * minimum over its active splits, so a shard that lags behind (a catch-up, a hand-over, a slow reader) holds the
 * watermark back instead of having its on-time events declared late by a faster shard read by the same subtask.
 *
 * <ul>
 *   <li>Timestamp: {@code occurredAt} of a record that is a valid event of the contract ({@link EventParser}, a
 *       streaming parse without a tree). Not a byte scan for occurredAt alone: a malformed record can carry a readable
 *       occurredAt far ahead of the stream (the golden fixtures hold several), and letting it move the watermark would
 *       make the following on-time events too late for a record that is not even counted.
 *   <li>Bounded out-of-orderness {@code Processing.outOfOrdernessSeconds} within a split.
 *   <li>A record that is not a valid event is passed on untimed to be dead-lettered by the parse operator; it neither
 *       moves the watermark nor counts as activity of its split: a split that delivers only such records becomes idle
 *       like a silent one, instead of stalling the windows.
 *   <li>Idleness ({@code Processing.idlenessSeconds}, 0 = never): a split without timed records for that long stops
 *       holding the watermark back, until it delivers one again. Idleness is measured on the source's input-activity
 *       clock, which does not advance while the split is paused by backpressure.
 * </ul>
 *
 * <p>The record is parsed again by the parse operator, which stamps each event with its occurredAt (so the windows do
 * not depend on where the timestamps came from, e.g. the tests' single-split sources). Parsing is a small part of the
 * job's cost per event (see the README's benchmark).
 */
public final class EventTimeWatermarks {
  /** The timestamp of a record that is not a valid event. */
  public static final long UNTIMED = Long.MIN_VALUE;

  private EventTimeWatermarks() {}

  /** The strategy for raw records (one per source; Flink instantiates a generator per split). */
  public static WatermarkStrategy<byte[]> forRawRecords(ProcessingSettings settings) {
    return new RawRecordStrategy(settings.outOfOrderness, settings.idleness);
  }

  private static final class RawRecordStrategy implements WatermarkStrategy<byte[]> {
    private static final long serialVersionUID = 1L;
    private final Duration outOfOrderness;
    private final Duration idleness;

    RawRecordStrategy(Duration outOfOrderness, Duration idleness) {
      this.outOfOrderness = outOfOrderness;
      this.idleness = idleness;
    }

    @Override
    public TimestampAssigner<byte[]> createTimestampAssigner(TimestampAssignerSupplier.Context context) {
      EventParser parser = new EventParser(); // one per source subtask, used by its task thread only
      return (record, recordTimestamp) -> {
        try {
          return parser.parse(record).occurredAt;
        } catch (MalformedEventException e) {
          return UNTIMED;
        }
      };
    }

    @Override
    public WatermarkGenerator<byte[]> createWatermarkGenerator(WatermarkGeneratorSupplier.Context context) {
      WatermarkGenerator<byte[]> bounded = new BoundedOutOfOrdernessWatermarks<>(outOfOrderness);
      return new IgnoringUntimed(
          idleness.isZero()
              ? bounded
              : new WatermarksWithIdleness<>(bounded, idleness, context.getInputActivityClock()));
    }
  }

  /** Hides records without an event time from the generator (no watermark move, no activity). */
  static final class IgnoringUntimed implements WatermarkGenerator<byte[]> {
    private final WatermarkGenerator<byte[]> inner;

    IgnoringUntimed(WatermarkGenerator<byte[]> inner) {
      this.inner = inner;
    }

    @Override
    public void onEvent(byte[] record, long timestamp, WatermarkOutput output) {
      if (timestamp != UNTIMED) {
        inner.onEvent(record, timestamp, output);
      }
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
      inner.onPeriodicEmit(output);
    }
  }
}
