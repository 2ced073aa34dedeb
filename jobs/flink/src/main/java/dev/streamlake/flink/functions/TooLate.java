package dev.streamlake.flink.functions;

import dev.streamlake.flink.model.DeadLetter;
import dev.streamlake.flink.model.Event;
import dev.streamlake.flink.model.TimeFormat;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.functions.MapFunction;

/** An event later than the allowed lateness becomes a dead letter (never silently dropped). */
public class TooLate implements MapFunction<Event, DeadLetter> {
  private static final long serialVersionUID = 1L;

  @Override
  public DeadLetter map(Event e) {
    String json = EventJson.write(e);
    return new DeadLetter(
            DeadLetter.TOO_LATE,
            "event of minute " + TimeFormat.minute(e.occurredAt) + " arrived after its window's allowed lateness",
            json)
        .identifiedBy(DeadLetter.sha256(json.getBytes(StandardCharsets.UTF_8)), e.occurredAt);
  }
}
