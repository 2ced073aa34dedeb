package dev.streamlake.flink;

import dev.streamlake.flink.config.ProcessingSettings;
import dev.streamlake.flink.functions.CountAndSum;
import dev.streamlake.flink.functions.DedupeByEventId;
import dev.streamlake.flink.functions.EmitWindowTotal;
import dev.streamlake.flink.functions.ParseEvents;
import dev.streamlake.flink.functions.TooLate;
import dev.streamlake.flink.model.DeadLetter;
import dev.streamlake.flink.model.Event;
import dev.streamlake.flink.model.WindowTotal;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.util.OutputTag;

/**
 * The job's dataflow between source and sinks: parse/validate → event-time watermarks → dedupe by eventId → 1-minute
 * tumbling windows per (contentId, type) with allowed lateness. Sources and sinks are plugged in by the caller, so the
 * same graph runs on Managed Flink, in the local runner, in tests and in the benchmark. Operator uids are stable:
 * checkpoints and snapshots restore across versions of the code.
 */
public final class ViewsPipeline {
  /** Events later than the allowed lateness, before they become dead letters. */
  public static final OutputTag<Event> TOO_LATE = new OutputTag<Event>("too-late") {};

  private ViewsPipeline() {}

  /** The two outputs of the pipeline. */
  public static final class Outputs {
    /** Window totals: on time, then again (corrected) per late event. */
    public final DataStream<WindowTotal> totals;
    /** Malformed and too-late records. */
    public final DataStream<DeadLetter> deadLetters;

    Outputs(DataStream<WindowTotal> totals, DataStream<DeadLetter> deadLetters) {
      this.totals = totals;
      this.deadLetters = deadLetters;
    }
  }

  /** Builds the dataflow on raw records (one Kinesis record payload each). */
  public static Outputs build(DataStream<byte[]> raw, ProcessingSettings settings) {
    SingleOutputStreamOperator<Event> parsed =
        raw.process(new ParseEvents()).name("parse-validate").uid("parse-validate");
    DataStream<DeadLetter> malformed = parsed.getSideOutput(ParseEvents.MALFORMED);
    DataStream<Event> unique =
        parsed
            .assignTimestampsAndWatermarks(watermarks(settings))
            .name("event-time")
            .uid("event-time")
            .keyBy(new ByEventId())
            .process(new DedupeByEventId(settings.dedupeHorizon))
            .name("dedupe-by-event-id")
            .uid("dedupe-by-event-id");
    SingleOutputStreamOperator<WindowTotal> totals = windowTotals(unique, settings);
    DataStream<DeadLetter> tooLate =
        totals.getSideOutput(TOO_LATE).map(new TooLate()).name("too-late").uid("too-late");
    return new Outputs(totals, malformed.union(tooLate));
  }

  /** Bounded out-of-orderness on occurredAt, with idleness so a quiet shard does not stall the windows. */
  public static WatermarkStrategy<Event> watermarks(ProcessingSettings settings) {
    WatermarkStrategy<Event> strategy =
        WatermarkStrategy.<Event>forBoundedOutOfOrderness(settings.outOfOrderness)
            .withTimestampAssigner((event, previous) -> event.occurredAt);
    return settings.idleness.isZero() ? strategy : strategy.withIdleness(settings.idleness);
  }

  /** 1-minute tumbling event-time windows per (contentId, type), count and sum(watchSeconds). */
  public static SingleOutputStreamOperator<WindowTotal> windowTotals(
      DataStream<Event> events, ProcessingSettings settings) {
    return events
        .keyBy(new ByWindowKey())
        .window(TumblingEventTimeWindows.of(Duration.ofMinutes(1)))
        .allowedLateness(settings.allowedLateness)
        .sideOutputLateData(TOO_LATE)
        .aggregate(new CountAndSum(), new EmitWindowTotal())
        .name("minute-window")
        .uid("minute-window");
  }

  /** Key of the dedupe state. */
  public static final class ByEventId implements KeySelector<Event, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String getKey(Event e) {
      return e.eventId;
    }
  }

  /** Key of the windows: contentId#type. */
  public static final class ByWindowKey implements KeySelector<Event, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String getKey(Event e) {
      return e.windowKey();
    }
  }
}
