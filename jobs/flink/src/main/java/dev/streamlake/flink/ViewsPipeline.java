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
import dev.streamlake.flink.source.EventTimeWatermarks;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.util.OutputTag;

/**
 * The job's dataflow between source and sinks: parse/validate → dedupe by eventId → 1-minute tumbling windows per
 * (contentId, type) with allowed lateness. Its input carries event-time timestamps and watermarks generated in the
 * source, per split ({@link #fromSource}, {@link EventTimeWatermarks}). Sources and sinks are plugged in by the caller,
 * so the same graph runs on Managed Flink, in the local runner, in tests and in the benchmark. Operator uids are
 * stable: checkpoints and snapshots restore across versions of the code.
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

  /**
   * Raw records of a source (one Kinesis record payload each) with per-split event-time watermarks. {@code name} is
   * also the operator's uid.
   */
  public static DataStream<byte[]> fromSource(
      StreamExecutionEnvironment env, Source<byte[], ?, ?> source, String name, ProcessingSettings settings) {
    return env.fromSource(
            source, EventTimeWatermarks.forRawRecords(settings), name,
            PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
        .uid(name);
  }

  /** Parse and validate, each event stamped with its occurredAt; malformed records on {@link ParseEvents#MALFORMED}. */
  public static SingleOutputStreamOperator<Event> parse(DataStream<byte[]> raw) {
    return raw.transform("parse-validate", TypeInformation.of(Event.class), new ParseEvents()).uid("parse-validate");
  }

  /** Builds the dataflow on raw records that carry event-time timestamps and watermarks ({@link #fromSource}). */
  public static Outputs build(DataStream<byte[]> raw, ProcessingSettings settings) {
    SingleOutputStreamOperator<Event> parsed = parse(raw);
    DataStream<DeadLetter> malformed = parsed.getSideOutput(ParseEvents.MALFORMED);
    DataStream<Event> unique =
        parsed
            .keyBy(new ByEventId())
            .process(new DedupeByEventId(settings.dedupeHorizon))
            .name("dedupe-by-event-id")
            .uid("dedupe-by-event-id");
    SingleOutputStreamOperator<WindowTotal> totals = windowTotals(unique, settings);
    DataStream<DeadLetter> tooLate =
        totals.getSideOutput(TOO_LATE).map(new TooLate()).name("too-late").uid("too-late");
    return new Outputs(totals, malformed.union(tooLate));
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
