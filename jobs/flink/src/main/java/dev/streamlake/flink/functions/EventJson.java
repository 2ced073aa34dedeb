package dev.streamlake.flink.functions;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.streamlake.flink.model.Event;
import dev.streamlake.flink.model.TimeFormat;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/** Writes an {@link Event} back as contract JSON (for dead letters of valid but too-late events). */
public final class EventJson {
  private static final JsonFactory JSON = JsonFactory.builder().build();

  private EventJson() {}

  public static String write(Event e) {
    StringWriter out = new StringWriter(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("eventId", e.eventId);
      g.writeStringField("type", e.type);
      g.writeStringField("userId", e.userId);
      g.writeStringField("contentId", e.contentId);
      g.writeStringField("occurredAt", TimeFormat.iso(e.occurredAt));
      g.writeStringField("region", e.region);
      g.writeStringField("device", e.device);
      if ("heartbeat".equals(e.type) || "view_end".equals(e.type)) {
        g.writeNumberField("watchSeconds", e.watchSeconds);
      }
      g.writeEndObject();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return out.toString();
  }
}
