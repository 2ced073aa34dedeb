package dev.streamlake.flink.functions;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.streamlake.flink.model.Event;
import dev.streamlake.flink.model.Reasons;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Parses and validates one Kinesis record against the shared event contract. Pure and thread-confined (one per
 * operator instance); {@link #parse} either returns an {@link Event} or throws {@link MalformedEventException} with a
 * reason category.
 */
public final class EventParser {
  private static final JsonFactory JSON = JsonFactory.builder().build();

  /** Bucket of a parsed string field that was present with a non-string value. */
  private static final String WRONG_TYPE = new String("<wrong type>");

  private static final int MAX_WATCH_SECONDS = 3600;

  /** Parses the record, or throws with the reason it is malformed. */
  public Event parse(byte[] record) throws MalformedEventException {
    if (!isValidUtf8(record)) {
      throw new MalformedEventException(Reasons.INVALID_UTF8, "record is not valid UTF-8");
    }
    if (record.length >= 3 && record[0] == (byte) 0xEF && record[1] == (byte) 0xBB && record[2] == (byte) 0xBF) {
      // Jackson would skip a byte-order mark; JSON parsers of the other implementations reject it.
      throw new MalformedEventException(Reasons.INVALID_JSON, "record starts with a byte-order mark");
    }
    String eventId = null;
    String type = null;
    String userId = null;
    String contentId = null;
    String occurredAt = null;
    String region = null;
    String device = null;
    boolean hasWatch = false;
    long watch = 0;
    String watchProblem = null;
    try (JsonParser p = JSON.createParser(record)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        throw new MalformedEventException(Reasons.INVALID_JSON, "empty record");
      }
      if (first != JsonToken.START_OBJECT) {
        p.skipChildren();
        if (p.nextToken() != null) {
          throw new MalformedEventException(Reasons.INVALID_JSON, "trailing content after the JSON value");
        }
        throw new MalformedEventException(Reasons.NOT_AN_OBJECT, "JSON value is a " + first + ", not an object");
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        switch (name) {
          case "eventId":
            eventId = text(p, v);
            break;
          case "type":
            type = text(p, v);
            break;
          case "userId":
            userId = text(p, v);
            break;
          case "contentId":
            contentId = text(p, v);
            break;
          case "occurredAt":
            occurredAt = text(p, v);
            break;
          case "region":
            region = text(p, v);
            break;
          case "device":
            device = text(p, v);
            break;
          case "watchSeconds":
            hasWatch = true;
            watchProblem = null;
            if (v == JsonToken.VALUE_NUMBER_INT) {
              if (p.getNumberType() == JsonParser.NumberType.INT) {
                watch = p.getIntValue();
                if (watch < 0 || watch > MAX_WATCH_SECONDS) {
                  watchProblem = "watchSeconds " + watch + " is outside 0..3600";
                }
              } else {
                watchProblem = "watchSeconds is outside 0..3600";
              }
            } else if (v == JsonToken.VALUE_NULL) {
              watchProblem = "watchSeconds is null";
            } else {
              p.skipChildren();
              watchProblem = "watchSeconds is not an integer";
            }
            break;
          default:
            p.skipChildren();
        }
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
        throw new MalformedEventException(Reasons.INVALID_JSON, "trailing content after the JSON object");
      }
    } catch (JsonProcessingException e) {
      throw new MalformedEventException(Reasons.INVALID_JSON, e.getOriginalMessage());
    } catch (IOException e) {
      throw new MalformedEventException(Reasons.INVALID_JSON, String.valueOf(e.getMessage()));
    }

    Event e = new Event();
    e.eventId = required("eventId", eventId);
    if (!isUuid(eventId)) {
      throw invalid("eventId", "is not a UUID");
    }
    e.type = required("type", type);
    if (!isType(type)) {
      throw invalid("type", "is not one of view_start, view_end, heartbeat, like, comment, share");
    }
    e.userId = lengthBetween("userId", userId, 128);
    e.contentId = required("contentId", contentId);
    if (!isContentId(contentId)) {
      throw invalid("contentId", "does not match ^[A-Za-z0-9._-]{1,128}$");
    }
    required("occurredAt", occurredAt);
    long millis = Timestamps.parseContractInstant(occurredAt);
    if (millis == Timestamps.BAD_SHAPE) {
      throw invalid("occurredAt", "is not of the form yyyy-MM-ddTHH:mm:ss.SSSZ");
    }
    if (millis == Timestamps.NOT_AN_INSTANT) {
      throw new MalformedEventException(
          Reasons.INVALID_TIMESTAMP, "occurredAt " + occurredAt + " is not a calendar instant");
    }
    e.occurredAt = millis;
    e.region = lengthBetween("region", region, 64);
    e.device = lengthBetween("device", device, 64);
    if (hasWatch) {
      if (watchProblem != null) {
        throw new MalformedEventException(Reasons.schema("watchSeconds"), watchProblem);
      }
      if (!"heartbeat".equals(type) && !"view_end".equals(type)) {
        throw new MalformedEventException(
            Reasons.WATCH_SECONDS_NOT_ALLOWED, "watchSeconds is only allowed on heartbeat and view_end");
      }
      e.watchSeconds = (int) watch;
    }
    return e;
  }

  private static String text(JsonParser p, JsonToken v) throws IOException {
    if (v == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    p.skipChildren();
    return WRONG_TYPE;
  }

  private static String required(String field, String value) throws MalformedEventException {
    if (value == null) {
      throw new MalformedEventException(Reasons.schema(field), field + " is missing");
    }
    if (value == WRONG_TYPE) {
      throw invalid(field, "is not a string");
    }
    return value;
  }

  private static String lengthBetween(String field, String value, int max) throws MalformedEventException {
    required(field, value);
    int length = value.codePointCount(0, value.length());
    if (length < 1 || length > max) {
      throw invalid(field, "must be 1.." + max + " characters");
    }
    return value;
  }

  private static MalformedEventException invalid(String field, String why) {
    return new MalformedEventException(Reasons.schema(field), field + " " + why);
  }

  static boolean isUuid(String s) {
    if (s.length() != 36) {
      return false;
    }
    for (int i = 0; i < 36; i++) {
      char c = s.charAt(i);
      if (i == 8 || i == 13 || i == 18 || i == 23) {
        if (c != '-') {
          return false;
        }
      } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
        return false;
      }
    }
    return true;
  }

  static boolean isType(String s) {
    switch (s) {
      case "view_start":
      case "view_end":
      case "heartbeat":
      case "like":
      case "comment":
      case "share":
        return true;
      default:
        return false;
    }
  }

  static boolean isContentId(String s) {
    int n = s.length();
    if (n < 1 || n > 128) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= 'A' && c <= 'Z')
              || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  static boolean isValidUtf8(byte[] bytes) {
    for (byte b : bytes) {
      if (b < 0) {
        try {
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes));
          return true;
        } catch (CharacterCodingException e) {
          return false;
        }
      }
    }
    return true;
  }
}
