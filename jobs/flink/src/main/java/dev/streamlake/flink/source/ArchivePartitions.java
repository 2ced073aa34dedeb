package dev.streamlake.flink.source;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import org.apache.flink.core.fs.Path;
import java.io.Serializable;
import java.util.function.Predicate;

/**
 * Prunes the raw archive's Firehose layout ({@code <root>/dt=yyyy-MM-dd/hour=HH/<objects>}) to the hours that overlap
 * an event-time range, so that a replay lists and opens only those partitions. The enumerator applies it to every
 * directory before listing it and to every file; hidden and temporary names ({@code .x}, {@code _x}) are skipped as by
 * Flink's default filter. A {@code dt=} or {@code hour=} name that does not parse is skipped (it is not Firehose's).
 */
public final class ArchivePartitions implements Predicate<Path>, Serializable {
  private static final long serialVersionUID = 1L;

  private final long fromMillis;
  private final long untilMillis;

  /** Partitions overlapping [from, until). */
  public ArchivePartitions(Instant from, Instant until) {
    this.fromMillis = from.toEpochMilli();
    this.untilMillis = until.toEpochMilli();
  }

  @Override
  public boolean test(Path path) {
    String name = path.getName();
    if (name.startsWith(".") || name.startsWith("_")) {
      return false;
    }
    if (name.startsWith("dt=")) {
      Instant day = day(name);
      return day != null && overlaps(day.toEpochMilli(), day.plus(1, ChronoUnit.DAYS).toEpochMilli());
    }
    if (name.startsWith("hour=")) {
      Path parent = path.getParent();
      Instant day = parent == null ? null : day(parent.getName());
      Integer hour = hour(name);
      if (day == null || hour == null) {
        return false;
      }
      long start = day.plus(hour, ChronoUnit.HOURS).toEpochMilli();
      return overlaps(start, start + 3_600_000L);
    }
    return true;
  }

  private boolean overlaps(long start, long end) {
    return start < untilMillis && end > fromMillis;
  }

  private static Instant day(String name) {
    if (!name.startsWith("dt=")) {
      return null;
    }
    try {
      return LocalDate.parse(name.substring(3)).atStartOfDay(ZoneOffset.UTC).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static Integer hour(String name) {
    String h = name.substring(5);
    if (h.length() != 2 || !Character.isDigit(h.charAt(0)) || !Character.isDigit(h.charAt(1))) {
      return null;
    }
    int v = Integer.parseInt(h);
    return v < 24 ? v : null;
  }
}
