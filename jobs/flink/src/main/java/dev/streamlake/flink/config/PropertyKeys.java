package dev.streamlake.flink.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Names and defaults of the job's runtime property groups. The single source of truth is
 * {@code lib/contracts/flink-properties.json}; {@code PropertyKeysContractTest} fails when this class disagrees with it.
 */
public final class PropertyKeys {
  private PropertyKeys() {}

  /** The Kinesis source of raw events. */
  public static final class Source {
    public static final String GROUP = "Source";
    public static final String STREAM_ARN = "streamArn";
    public static final String REGION = "region";
    public static final String ENDPOINT = "endpoint";
    public static final String INITIAL_POSITION = "initialPosition";
    public static final String INITIAL_TIMESTAMP = "initialTimestamp";
    public static final String EVENT_TIME_FROM = "eventTimeFrom";

    private Source() {}
  }

  /** The DynamoDB views table. */
  public static final class Sink {
    public static final String GROUP = "Sink";
    public static final String TABLE_NAME = "tableName";
    public static final String REGION = "region";
    public static final String ENDPOINT = "endpoint";
    public static final String VIEW_NAME = "viewName";

    private Sink() {}
  }

  /** Where malformed and too-late records go. */
  public static final class DeadLetter {
    public static final String GROUP = "DeadLetter";
    public static final String TABLE_NAME = "tableName";
    public static final String REGION = "region";
    public static final String ENDPOINT = "endpoint";
    public static final String TTL_DAYS = "ttlDays";

    private DeadLetter() {}
  }

  /** The raw archive (Firehose's objects in the raw zone), read before the stream by a replay. */
  public static final class Archive {
    public static final String GROUP = "Archive";
    public static final String PATH = "path";
    public static final String FROM = "from";
    public static final String ENDPOINT = "endpoint";

    private Archive() {}
  }

  /** Event-time processing. */
  public static final class Processing {
    public static final String GROUP = "Processing";
    public static final String OUT_OF_ORDERNESS_SECONDS = "outOfOrdernessSeconds";
    public static final String IDLENESS_SECONDS = "idlenessSeconds";
    public static final String ALLOWED_LATENESS_SECONDS = "allowedLatenessSeconds";
    public static final String DEDUPE_HORIZON_SECONDS = "dedupeHorizonSeconds";
    public static final String CHECKPOINT_INTERVAL_SECONDS = "checkpointIntervalSeconds";

    private Processing() {}
  }

  /** Group → key → default ({@code null} = required), in the order of the contract file. */
  public static final Map<String, Map<String, String>> CATALOG;

  static {
    Map<String, Map<String, String>> groups = new LinkedHashMap<>();
    Map<String, String> source = new LinkedHashMap<>();
    source.put(Source.STREAM_ARN, null);
    source.put(Source.REGION, "");
    source.put(Source.ENDPOINT, "");
    source.put(Source.INITIAL_POSITION, "TRIM_HORIZON");
    source.put(Source.INITIAL_TIMESTAMP, "");
    source.put(Source.EVENT_TIME_FROM, "");
    groups.put(Source.GROUP, Collections.unmodifiableMap(source));

    Map<String, String> sink = new LinkedHashMap<>();
    sink.put(Sink.TABLE_NAME, null);
    sink.put(Sink.REGION, "");
    sink.put(Sink.ENDPOINT, "");
    sink.put(Sink.VIEW_NAME, "flink-v1");
    groups.put(Sink.GROUP, Collections.unmodifiableMap(sink));

    Map<String, String> deadLetter = new LinkedHashMap<>();
    deadLetter.put(DeadLetter.TABLE_NAME, null);
    deadLetter.put(DeadLetter.REGION, "");
    deadLetter.put(DeadLetter.ENDPOINT, "");
    deadLetter.put(DeadLetter.TTL_DAYS, "14");
    groups.put(DeadLetter.GROUP, Collections.unmodifiableMap(deadLetter));

    Map<String, String> archive = new LinkedHashMap<>();
    archive.put(Archive.PATH, "");
    archive.put(Archive.FROM, "");
    archive.put(Archive.ENDPOINT, "");
    groups.put(Archive.GROUP, Collections.unmodifiableMap(archive));

    Map<String, String> processing = new LinkedHashMap<>();
    processing.put(Processing.OUT_OF_ORDERNESS_SECONDS, "5");
    processing.put(Processing.IDLENESS_SECONDS, "60");
    processing.put(Processing.ALLOWED_LATENESS_SECONDS, "600");
    processing.put(Processing.DEDUPE_HORIZON_SECONDS, "3600");
    processing.put(Processing.CHECKPOINT_INTERVAL_SECONDS, "10");
    groups.put(Processing.GROUP, Collections.unmodifiableMap(processing));

    CATALOG = Collections.unmodifiableMap(groups);
  }
}
