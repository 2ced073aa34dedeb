package dev.streamlake.flink.model;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** UTC bucket and timestamp formats of the contract. */
public final class TimeFormat {
  private static final DateTimeFormatter MINUTE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter ISO_MILLIS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private TimeFormat() {}

  /** {@code yyyy-MM-ddTHH:mm}. */
  public static String minute(long epochMillis) {
    return MINUTE.format(Instant.ofEpochMilli(epochMillis));
  }

  /** {@code yyyy-MM-dd}. */
  public static String day(long epochMillis) {
    return DAY.format(Instant.ofEpochMilli(epochMillis));
  }

  /** {@code yyyy-MM-ddTHH:mm:ss.SSSZ}. */
  public static String iso(long epochMillis) {
    return ISO_MILLIS.format(Instant.ofEpochMilli(epochMillis));
  }
}
