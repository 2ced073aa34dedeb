package dev.streamlake.flink.source;

import dev.streamlake.flink.functions.Timestamps;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A half-open event-time range [from, until) applied to raw records before parsing, which is how a replay splits the
 * work between its sources without overlap: the raw archive gives [Archive.from, Source.eventTimeFrom), the stream
 * gives [Source.eventTimeFrom, ∞). A live application handed over to a new view uses the same split, so that it and
 * the replay application never both write a window from partial input.
 *
 * <p>The record's {@code occurredAt} is found with a byte scan for the top-level key, not a JSON parse. A record whose
 * {@code occurredAt} is absent or not a contract instant is kept: parsing then dead-letters it with its reason, so
 * nothing malformed is dropped silently here.
 */
public final class EventTimeRange implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final byte[] KEY = "\"occurredAt\"".getBytes(StandardCharsets.US_ASCII);
  private static final int INSTANT_LENGTH = 24;

  /** Keeps everything. */
  public static final EventTimeRange ALL = new EventTimeRange(Long.MIN_VALUE, Long.MAX_VALUE);

  private final long fromMillis;
  private final long untilMillis;

  private EventTimeRange(long fromMillis, long untilMillis) {
    if (fromMillis >= untilMillis) {
      throw new IllegalArgumentException(
          "empty event-time range [" + Instant.ofEpochMilli(fromMillis) + ", " + Instant.ofEpochMilli(untilMillis)
              + ")");
    }
    this.fromMillis = fromMillis;
    this.untilMillis = untilMillis;
  }

  /** [from, until); a null bound is open. */
  public static EventTimeRange of(Instant from, Instant until) {
    return new EventTimeRange(
        from == null ? Long.MIN_VALUE : from.toEpochMilli(), until == null ? Long.MAX_VALUE : until.toEpochMilli());
  }

  public boolean isAll() {
    return fromMillis == Long.MIN_VALUE && untilMillis == Long.MAX_VALUE;
  }

  /** True when the record belongs to this range, or when its event time cannot be read (parsing decides). */
  public boolean keeps(byte[] record) {
    if (isAll()) {
      return true;
    }
    long t = occurredAt(record);
    return t == Long.MIN_VALUE || (t >= fromMillis && t < untilMillis);
  }

  /** occurredAt in epoch millis, or Long.MIN_VALUE when it is missing, not a string or not a contract instant. */
  public static long occurredAt(byte[] r) {
    int at = indexOf(r, KEY, 0);
    if (at < 0 || indexOf(r, KEY, at + KEY.length) >= 0) {
      return Long.MIN_VALUE; // absent, or given twice: parsing decides
    }
    int i = skipSpace(r, at + KEY.length);
    if (i >= r.length || r[i] != ':') {
      return Long.MIN_VALUE;
    }
    i = skipSpace(r, i + 1);
    if (i >= r.length || r[i] != '"') {
      return Long.MIN_VALUE;
    }
    int start = i + 1;
    int end = start + INSTANT_LENGTH;
    if (end >= r.length || r[end] != '"') {
      return Long.MIN_VALUE;
    }
    long millis = Timestamps.parseContractInstant(new String(r, start, INSTANT_LENGTH, StandardCharsets.US_ASCII));
    return millis == Timestamps.BAD_SHAPE || millis == Timestamps.NOT_AN_INSTANT ? Long.MIN_VALUE : millis;
  }

  private static int skipSpace(byte[] r, int i) {
    while (i < r.length && (r[i] == ' ' || r[i] == '\t' || r[i] == '\n' || r[i] == '\r')) {
      i++;
    }
    return i;
  }

  private static int indexOf(byte[] r, byte[] key, int from) {
    outer:
    for (int i = from; i <= r.length - key.length; i++) {
      for (int k = 0; k < key.length; k++) {
        if (r[i + k] != key[k]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Override
  public String toString() {
    return "["
        + (fromMillis == Long.MIN_VALUE ? "-inf" : Instant.ofEpochMilli(fromMillis).toString())
        + ", "
        + (untilMillis == Long.MAX_VALUE ? "+inf" : Instant.ofEpochMilli(untilMillis).toString())
        + ")";
  }
}
