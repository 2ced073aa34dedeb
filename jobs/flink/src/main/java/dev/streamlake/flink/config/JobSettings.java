package dev.streamlake.flink.config;

import dev.streamlake.flink.config.PropertyKeys.Archive;
import dev.streamlake.flink.config.PropertyKeys.DeadLetter;
import dev.streamlake.flink.config.PropertyKeys.Processing;
import dev.streamlake.flink.config.PropertyKeys.Sink;
import dev.streamlake.flink.config.PropertyKeys.Source;
import java.io.IOException;
import java.io.Reader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Every runtime setting of the job, read from property groups and validated once at start. */
public final class JobSettings implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Pattern STREAM_ARN =
      Pattern.compile("^arn:aws[a-zA-Z-]*:kinesis:([a-z0-9-]+):\\d{12}:stream/[A-Za-z0-9_.-]{1,128}$");

  /** Initial positions of a fresh start. */
  public enum InitialPosition {
    TRIM_HORIZON,
    LATEST,
    AT_TIMESTAMP
  }

  public final String streamArn;
  public final String sourceRegion;
  public final String sourceEndpoint;
  public final InitialPosition initialPosition;
  public final Instant initialTimestamp;
  /** Stream records whose occurredAt is earlier are skipped (another source or application covers them); null = none. */
  public final Instant eventTimeFrom;
  /** Root of the raw archive's dt=/hour= partitions, read before the stream; null = stream only. */
  public final String archivePath;
  /** First event time read from the archive (its hour partition and later); set when archivePath is. */
  public final Instant archiveFrom;
  /** S3 endpoint override for local runs (e.g. moto); empty = AWS. */
  public final String archiveEndpoint;
  public final String tableName;
  public final String sinkRegion;
  public final String sinkEndpoint;
  public final String viewName;
  public final String deadLetterTableName;
  public final String deadLetterRegion;
  public final String deadLetterEndpoint;
  public final int deadLetterTtlDays;
  public final ProcessingSettings processing;

  private JobSettings(Map<String, Properties> groups) {
    List<String> errors = new ArrayList<>();
    checkKnown(groups, errors);
    Map<String, String> source = resolve(groups, Source.GROUP, errors);
    Map<String, String> sink = resolve(groups, Sink.GROUP, errors);
    Map<String, String> dead = resolve(groups, DeadLetter.GROUP, errors);
    Map<String, String> archive = resolve(groups, Archive.GROUP, errors);

    streamArn = source.get(Source.STREAM_ARN);
    String region = source.get(Source.REGION);
    if (streamArn != null) {
      Matcher m = STREAM_ARN.matcher(streamArn);
      if (!m.matches()) {
        errors.add(Source.GROUP + "." + Source.STREAM_ARN + "=" + streamArn + " is not a Kinesis stream ARN");
      } else if (region.isEmpty()) {
        region = m.group(1);
      }
    }
    sourceRegion = region;
    sourceEndpoint = source.get(Source.ENDPOINT);
    InitialPosition position = InitialPosition.TRIM_HORIZON;
    try {
      position = InitialPosition.valueOf(source.get(Source.INITIAL_POSITION));
    } catch (IllegalArgumentException e) {
      errors.add(
          Source.GROUP + "." + Source.INITIAL_POSITION + "=" + source.get(Source.INITIAL_POSITION)
              + " is not one of TRIM_HORIZON, LATEST, AT_TIMESTAMP");
    }
    initialPosition = position;
    Instant timestamp = null;
    String ts = source.get(Source.INITIAL_TIMESTAMP);
    if (!ts.isEmpty()) {
      try {
        timestamp = Instant.parse(ts);
      } catch (DateTimeParseException e) {
        errors.add(Source.GROUP + "." + Source.INITIAL_TIMESTAMP + "=" + ts + " is not an ISO-8601 instant");
      }
    }
    if (position == InitialPosition.AT_TIMESTAMP && timestamp == null && ts.isEmpty()) {
      errors.add(Source.GROUP + "." + Source.INITIAL_TIMESTAMP + " is required when initialPosition is AT_TIMESTAMP");
    }
    initialTimestamp = timestamp;
    eventTimeFrom = instant(source, Source.GROUP, Source.EVENT_TIME_FROM, errors);

    String path = archive.get(Archive.PATH);
    archivePath = path == null || path.isEmpty() ? null : path;
    archiveFrom = instant(archive, Archive.GROUP, Archive.FROM, errors);
    archiveEndpoint = archive.get(Archive.ENDPOINT);
    if (archivePath != null) {
      if (!archivePath.matches("^[a-z][a-z0-9+.-]*://.+")) {
        errors.add(Archive.GROUP + "." + Archive.PATH + "=" + archivePath + " must be a URI such as s3://bucket/raw/events");
      }
      if (archiveFrom == null) {
        errors.add(Archive.GROUP + "." + Archive.FROM + " is required when " + Archive.GROUP + "." + Archive.PATH + " is set");
      }
      if (eventTimeFrom == null) {
        errors.add(
            Source.GROUP + "." + Source.EVENT_TIME_FROM + " is required when " + Archive.GROUP + "." + Archive.PATH
                + " is set: it is where the archive stops and the stream takes over");
      } else if (archiveFrom != null && !archiveFrom.isBefore(eventTimeFrom)) {
        errors.add(
            Archive.GROUP + "." + Archive.FROM + "=" + archiveFrom + " must be before " + Source.GROUP + "."
                + Source.EVENT_TIME_FROM + "=" + eventTimeFrom);
      }
    } else if (archiveFrom != null) {
      errors.add(Archive.GROUP + "." + Archive.FROM + " is set but " + Archive.GROUP + "." + Archive.PATH + " is empty");
    }

    tableName = sink.get(Sink.TABLE_NAME);
    sinkRegion = sink.get(Sink.REGION).isEmpty() ? sourceRegion : sink.get(Sink.REGION);
    sinkEndpoint = sink.get(Sink.ENDPOINT);
    viewName = sink.get(Sink.VIEW_NAME);
    if (!viewName.matches("^flink-v[0-9]+$")) {
      errors.add(Sink.GROUP + "." + Sink.VIEW_NAME + "=" + viewName + " must look like flink-v<N> (e.g. flink-v1)");
    }

    deadLetterTableName = dead.get(DeadLetter.TABLE_NAME);
    deadLetterRegion = dead.get(DeadLetter.REGION).isEmpty() ? sinkRegion : dead.get(DeadLetter.REGION);
    deadLetterEndpoint = dead.get(DeadLetter.ENDPOINT).isEmpty() ? sinkEndpoint : dead.get(DeadLetter.ENDPOINT);
    deadLetterTtlDays = (int) nonNegative(dead, DeadLetter.GROUP, DeadLetter.TTL_DAYS, errors);

    ProcessingSettings p = null;
    try {
      p = processing(groups);
    } catch (IllegalArgumentException e) {
      errors.add(e.getMessage());
    }
    processing = p;
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException("invalid Flink job properties: " + String.join("; ", errors));
    }
  }

  /** Validates the groups (unknown groups/keys, required keys, numbers, enums); throws naming every bad key. */
  public static JobSettings fromGroups(Map<String, Properties> groups) {
    return new JobSettings(groups);
  }

  /** Only the {@code Processing} group (the rest may be absent). */
  public static ProcessingSettings processing(Map<String, Properties> groups) {
    List<String> errors = new ArrayList<>();
    Map<String, String> p = resolve(groups, Processing.GROUP, errors);
    ProcessingSettings settings =
        new ProcessingSettings(
            Duration.ofSeconds(nonNegative(p, Processing.GROUP, Processing.OUT_OF_ORDERNESS_SECONDS, errors)),
            Duration.ofSeconds(nonNegative(p, Processing.GROUP, Processing.IDLENESS_SECONDS, errors)),
            Duration.ofSeconds(nonNegative(p, Processing.GROUP, Processing.ALLOWED_LATENESS_SECONDS, errors)),
            Duration.ofSeconds(nonNegative(p, Processing.GROUP, Processing.DEDUPE_HORIZON_SECONDS, errors)),
            Duration.ofSeconds(nonNegative(p, Processing.GROUP, Processing.CHECKPOINT_INTERVAL_SECONDS, errors)));
    if (settings.dedupeHorizon.isZero()) {
      errors.add(Processing.GROUP + "." + Processing.DEDUPE_HORIZON_SECONDS + " must be > 0");
    }
    if (settings.checkpointInterval.isZero()) {
      errors.add(Processing.GROUP + "." + Processing.CHECKPOINT_INTERVAL_SECONDS + " must be > 0");
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    return settings;
  }

  /**
   * Reads a local properties file: one {@code Group.key=value} per line ({@code #} comments, java.util.Properties
   * syntax), split on the first dot into the same shape Managed Flink hands the job.
   */
  public static Map<String, Properties> readPropertiesFile(Path file) throws IOException {
    Properties flat = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      flat.load(reader);
    }
    Map<String, Properties> groups = new LinkedHashMap<>();
    for (String name : flat.stringPropertyNames()) {
      int dot = name.indexOf('.');
      if (dot <= 0 || dot == name.length() - 1) {
        throw new IllegalArgumentException(file + ": property " + name + " is not of the form Group.key");
      }
      groups
          .computeIfAbsent(name.substring(0, dot), g -> new Properties())
          .setProperty(name.substring(dot + 1), flat.getProperty(name).trim());
    }
    return groups;
  }

  private static void checkKnown(Map<String, Properties> groups, List<String> errors) {
    for (Map.Entry<String, Properties> group : groups.entrySet()) {
      Map<String, String> known = PropertyKeys.CATALOG.get(group.getKey());
      if (known == null) {
        errors.add("unknown property group " + group.getKey() + " (known: " + PropertyKeys.CATALOG.keySet() + ")");
        continue;
      }
      for (String key : group.getValue().stringPropertyNames()) {
        if (!known.containsKey(key)) {
          errors.add("unknown property " + group.getKey() + "." + key + " (known: " + known.keySet() + ")");
        }
      }
    }
  }

  private static Map<String, String> resolve(Map<String, Properties> groups, String group, List<String> errors) {
    Properties given = groups.getOrDefault(group, new Properties());
    Map<String, String> values = new LinkedHashMap<>();
    for (Map.Entry<String, String> key : PropertyKeys.CATALOG.get(group).entrySet()) {
      String value = given.getProperty(key.getKey());
      if (value != null) {
        value = value.trim();
      }
      if (value == null || (value.isEmpty() && key.getValue() == null)) {
        value = key.getValue();
      }
      if (value == null) {
        errors.add(group + "." + key.getKey() + " is required");
      }
      values.put(key.getKey(), value);
    }
    return values;
  }

  /** An ISO-8601 instant, or null when empty. */
  private static Instant instant(Map<String, String> values, String group, String key, List<String> errors) {
    String raw = values.get(key);
    if (raw == null || raw.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(raw);
    } catch (DateTimeParseException e) {
      errors.add(group + "." + key + "=" + raw + " is not an ISO-8601 instant (e.g. 2026-11-20T00:00:00Z)");
      return null;
    }
  }

  private static long nonNegative(Map<String, String> values, String group, String key, List<String> errors) {
    String raw = values.get(key);
    try {
      long value = Long.parseLong(raw);
      if (value >= 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    errors.add(group + "." + key + "=" + raw + " must be a whole number >= 0");
    return 0;
  }
}
