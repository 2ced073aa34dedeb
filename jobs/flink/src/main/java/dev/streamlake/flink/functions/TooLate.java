package dev.streamlake.flink.functions;

import dev.streamlake.flink.model.DeadLetter;
import dev.streamlake.flink.model.Event;
import dev.streamlake.flink.model.TimeFormat;
import org.apache.flink.api.common.functions.MapFunction;

/** An event later than the allowed lateness becomes a dead letter (never silently dropped). */
public class TooLate implements MapFunction<Event, DeadLetter> {
  private static final long serialVersionUID = 1L;

  @Override
  public DeadLetter map(Event e) {
    return new DeadLetter(
        DeadLetter.TOO_LATE,
        "event of minute " + TimeFormat.minute(e.occurredAt) + " arrived after its window's allowed lateness",
        EventJson.write(e));
  }
}
