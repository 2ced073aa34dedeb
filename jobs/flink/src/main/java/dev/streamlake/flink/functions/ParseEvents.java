package dev.streamlake.flink.functions;

import dev.streamlake.flink.model.DeadLetter;
import dev.streamlake.flink.model.Event;
import java.nio.charset.StandardCharsets;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Raw record → valid {@link Event}; a malformed record goes to {@link #MALFORMED} with its reason, never fails. */
public class ParseEvents extends ProcessFunction<byte[], Event> {
  private static final long serialVersionUID = 1L;

  /** Side output of records that break the contract. */
  public static final OutputTag<DeadLetter> MALFORMED = new OutputTag<DeadLetter>("malformed") {};

  private transient EventParser parser;

  @Override
  public void processElement(byte[] record, Context ctx, Collector<Event> out) {
    if (parser == null) {
      parser = new EventParser();
    }
    try {
      out.collect(parser.parse(record));
    } catch (MalformedEventException e) {
      ctx.output(
          MALFORMED, new DeadLetter(e.reason(), e.getMessage(), new String(record, StandardCharsets.UTF_8)));
    }
  }
}
