package dev.streamlake.flink;

import com.amazonaws.services.kinesisanalytics.runtime.KinesisAnalyticsRuntime;
import dev.streamlake.flink.config.JobSettings;
import dev.streamlake.flink.config.RuntimeContract;
import dev.streamlake.flink.sink.Sinks;
import dev.streamlake.flink.source.ArchivePartitions;
import dev.streamlake.flink.source.EventTimeRange;
import dev.streamlake.flink.source.LineBytesFormat;
import dev.streamlake.flink.source.OrderedSplitAssigner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.hybrid.HybridSource;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.enumerate.NonSplittingRecursiveEnumerator;
import org.apache.flink.connector.kinesis.source.KinesisStreamsSource;
import org.apache.flink.connector.kinesis.source.config.KinesisStreamsSourceConfigConstants;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Entry point. On Managed Flink (no arguments) the settings come from the application's property groups; locally
 * {@code --properties <file>} (Group.key=value lines) with {@code --checkpoint-dir <dir>} and {@code --restore-latest}.
 */
public final class ViewsJob {
  /** Printed once the job is submitted and running (the local runner's callers wait for it). */
  public static final String RUNNING_LINE = RuntimeContract.JOB_RUNNING_LINE;

  private ViewsJob() {}

  public static void main(String[] args) throws Exception {
    Arguments a = Arguments.parse(args);
    Map<String, Properties> groups =
        a.properties == null
            ? KinesisAnalyticsRuntime.getApplicationProperties()
            : JobSettings.readPropertiesFile(Paths.get(a.properties));
    JobSettings settings = JobSettings.fromGroups(groups);

    Configuration conf = new Configuration();
    if (a.properties != null) {
      conf = localConfiguration(settings, a);
      initializeLocalFileSystems(settings);
    }
    LocalCluster local = a.properties != null ? new LocalCluster() : null;
    StreamExecutionEnvironment env =
        local != null
            ? local.environment(conf, a.restPort == null ? 0 : a.restPort)
            : StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.getConfig().enableObjectReuse();
    if (a.properties != null) {
      env.enableCheckpointing(settings.processing.checkpointInterval.toMillis(), CheckpointingMode.EXACTLY_ONCE);
      if (a.parallelism > 0) {
        env.setParallelism(a.parallelism);
      }
    } else {
      // Managed Flink owns the interval; the mode must still be exactly-once for the window state.
      env.getCheckpointConfig().setCheckpointingMode(CheckpointingMode.EXACTLY_ONCE);
    }
    build(env, settings);
    JobClient client = env.executeAsync("streamlake-flink-views " + settings.viewName);
    if (local != null && a.restPort != null) {
      // Before the running line, so a caller that waited for that line has the endpoint already.
      System.out.println(RuntimeContract.REST_ENDPOINT_LINE + local.restAddress());
    }
    System.out.println(
        RUNNING_LINE + " (jobId " + client.getJobID() + ", view " + settings.viewName + ", stream "
            + settings.streamArn + ", table " + settings.tableName
            + (a.restoredFrom != null ? ", restored from " + a.restoredFrom : "") + ")");
    System.out.flush();
    client.getJobExecutionResult().get();
  }

  /** Source → pipeline → sinks. */
  static void build(StreamExecutionEnvironment env, JobSettings settings) {
    // A replay with an archive is its own application, started without a snapshot: the source's uid differs from
    // the stream-only one so that state of one kind is never restored into the other.
    boolean archive = settings.archivePath != null;
    DataStream<byte[]> raw =
        ViewsPipeline.fromSource(
            env,
            archive ? replaySource(settings) : source(settings),
            archive ? "archive-then-kinesis-events" : "kinesis-events",
            settings.processing);
    ViewsPipeline.Outputs out = ViewsPipeline.build(raw, settings.processing);
    out.totals.sinkTo(Sinks.views(settings)).name("views-table").uid("views-table");
    out.deadLetters.sinkTo(Sinks.deadLetters(settings)).name("dead-letters").uid("dead-letters");
  }

  static KinesisStreamsSource<byte[]> source(JobSettings s) {
    Configuration c = new Configuration();
    Sinks.clientProperties(s.sourceRegion, s.sourceEndpoint).forEach((k, v) -> c.setString((String) k, (String) v));
    c.set(
        KinesisStreamsSourceConfigConstants.STREAM_INITIAL_POSITION,
        KinesisStreamsSourceConfigConstants.InitialPosition.valueOf(s.initialPosition.name()));
    if (s.initialTimestamp != null) {
      c.set(KinesisStreamsSourceConfigConstants.STREAM_TIMESTAMP_DATE_FORMAT, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
      c.set(
          KinesisStreamsSourceConfigConstants.STREAM_INITIAL_TIMESTAMP,
          java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
              .withZone(java.time.ZoneOffset.UTC)
              .format(s.initialTimestamp));
    }
    return KinesisStreamsSource.<byte[]>builder()
        .setStreamArn(s.streamArn)
        .setSourceConfig(c)
        .setDeserializationSchema(new RawBytes(EventTimeRange.of(s.eventTimeFrom, null)))
        .build();
  }

  /**
   * The raw archive's hours in [Archive.from, Source.eventTimeFrom), read in path (= time) order, then the stream from
   * Source.eventTimeFrom on. The split is by event time, so no event is read from both (Firehose partitions the archive
   * by occurredAt); the stream's start position must reach back far enough to hold every event at or after the seam.
   */
  static Source<byte[], ?, ?> replaySource(JobSettings s) {
    return archiveThen(s, source(s));
  }

  /** The archive part of {@link #replaySource}, then {@code stream} (tests pass a bounded stand-in for Kinesis). */
  static Source<byte[], ?, ?> archiveThen(JobSettings s, Source<byte[], ?, ?> stream) {
    EventTimeRange archived = EventTimeRange.of(s.archiveFrom, s.eventTimeFrom);
    FileSource<byte[]> files =
        FileSource.forRecordStreamFormat(new LineBytesFormat(archived), new org.apache.flink.core.fs.Path(s.archivePath))
            .setFileEnumerator(() -> new NonSplittingRecursiveEnumerator(new ArchivePartitions(s.archiveFrom, s.eventTimeFrom)))
            .setSplitAssigner(OrderedSplitAssigner::new)
            .build();
    return HybridSource.builder(files).addSource(stream).build();
  }

  /**
   * Local runs reading the archive from an S3 emulator: the S3 file system (flink-s3-fs-hadoop, on the classpath) gets
   * the endpoint, path-style access and the credentials of the environment. Managed Flink configures its own.
   */
  static void initializeLocalFileSystems(JobSettings settings) {
    if (settings.archiveEndpoint == null || settings.archiveEndpoint.isEmpty()) {
      return;
    }
    Configuration fs = new Configuration();
    fs.setString("s3.endpoint", settings.archiveEndpoint);
    fs.setString("s3.path.style.access", "true");
    fs.setString("s3.connection.ssl.enabled", String.valueOf(settings.archiveEndpoint.startsWith("https:")));
    fs.setString("s3.endpoint.region", settings.sourceRegion);
    fs.setString("s3.change.detection.mode", "none");
    String key = System.getenv("AWS_ACCESS_KEY_ID");
    String secret = System.getenv("AWS_SECRET_ACCESS_KEY");
    if (key != null && secret != null) {
      fs.setString("s3.access-key", key);
      fs.setString("s3.secret-key", secret);
    }
    FileSystem.initialize(fs, null);
  }

  static Configuration localConfiguration(JobSettings settings, Arguments a) throws IOException {
    if (a.checkpointDir == null) {
      return new Configuration();
    }
    Path dir = Paths.get(a.checkpointDir).toAbsolutePath();
    Files.createDirectories(dir);
    Optional<Path> restore = Optional.empty();
    if (a.restoreLatest) {
      restore = Checkpoints.latest(dir);
      if (restore.isPresent()) {
        a.restoredFrom = restore.get().toString();
      } else {
        System.out.println("streamlake-flink: no retained checkpoint in " + dir + ", starting fresh");
      }
    }
    return checkpointConfiguration(dir, restore);
  }

  /**
   * File-system checkpoints in dir, retained when the job is cancelled or killed, optionally restoring from one
   * (local runs; Managed Flink manages its own checkpoints and snapshots).
   */
  public static Configuration checkpointConfiguration(Path dir, Optional<Path> restoreFrom) {
    Configuration conf = new Configuration();
    conf.setString("execution.checkpointing.storage", "filesystem");
    conf.setString("execution.checkpointing.dir", dir.toUri().toString());
    conf.setString("execution.checkpointing.num-retained", "3");
    conf.setString("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
    restoreFrom.ifPresent(p -> conf.setString("execution.state-recovery.path", p.toUri().toString()));
    return conf;
  }

  /**
   * Passes record bytes through; parsing happens in an operator that can route malformed records. Records outside the
   * event-time range (Source.eventTimeFrom) are skipped and counted ({@code recordsBeforeEventTimeFrom}).
   */
  public static final class RawBytes implements DeserializationSchema<byte[]> {
    private static final long serialVersionUID = 1L;
    private final EventTimeRange range;
    private transient Counter skipped;

    public RawBytes() {
      this(EventTimeRange.ALL);
    }

    public RawBytes(EventTimeRange range) {
      this.range = range;
    }

    @Override
    public void open(InitializationContext context) {
      skipped = context.getMetricGroup().counter("recordsBeforeEventTimeFrom");
    }

    @Override
    public byte[] deserialize(byte[] message) {
      if (range.keeps(message)) {
        return message;
      }
      if (skipped != null) {
        skipped.inc();
      }
      return null;
    }

    @Override
    public boolean isEndOfStream(byte[] next) {
      return false;
    }

    @Override
    public TypeInformation<byte[]> getProducedType() {
      return PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO;
    }
  }

  static final class Arguments {
    String properties;
    String checkpointDir;
    boolean restoreLatest;
    int parallelism;
    /** Local runs: the REST port (0 = free); null = not announced. */
    Integer restPort;
    String restoredFrom;

    static Arguments parse(String[] args) {
      Arguments a = new Arguments();
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--properties":
            a.properties = value(args, ++i);
            break;
          case "--checkpoint-dir":
            a.checkpointDir = value(args, ++i);
            break;
          case "--restore-latest":
            a.restoreLatest = true;
            break;
          case "--parallelism":
            a.parallelism = Integer.parseInt(value(args, ++i));
            break;
          case RuntimeContract.REST_PORT_FLAG:
            a.restPort = port(value(args, ++i));
            break;
          default:
            throw new IllegalArgumentException(
                "unknown argument " + args[i]
                    + " (usage: [--properties <file> [--checkpoint-dir <dir>] [--restore-latest] [--parallelism N]"
                    + " [" + RuntimeContract.REST_PORT_FLAG + " PORT]])");
        }
      }
      if (a.restoreLatest && a.checkpointDir == null) {
        throw new IllegalArgumentException("--restore-latest needs --checkpoint-dir");
      }
      if (a.restPort != null && a.properties == null) {
        throw new IllegalArgumentException(
            RuntimeContract.REST_PORT_FLAG
                + " is for local runs (with --properties); Managed Flink has its own endpoint");
      }
      return a;
    }

    private static int port(String raw) {
      try {
        int p = Integer.parseInt(raw);
        if (p >= 0 && p <= 65535) {
          return p;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new IllegalArgumentException(
          RuntimeContract.REST_PORT_FLAG + " " + raw + " is not a port (0..65535, 0 = free)");
    }

    private static String value(String[] args, int i) {
      if (i >= args.length) {
        throw new IllegalArgumentException(args[i - 1] + " needs a value");
      }
      return args[i];
    }
  }

  /** Retained checkpoints in a checkpoint directory. */
  public static final class Checkpoints {
    private Checkpoints() {}

    /** The newest completed checkpoint (a chk-N folder with _metadata) under dir/<jobId>/, if any. */
    public static Optional<Path> latest(Path dir) throws IOException {
      if (!Files.isDirectory(dir)) {
        return Optional.empty();
      }
      try (Stream<Path> files = Files.walk(dir, 3)) {
        return files
            .filter(p -> p.getFileName().toString().equals("_metadata"))
            .filter(p -> p.getParent().getFileName().toString().startsWith("chk-"))
            .max((x, y) -> Long.compare(modified(x), modified(y)))
            .map(Path::getParent);
      }
    }

    private static long modified(Path p) {
      try {
        return Files.getLastModifiedTime(p).toMillis();
      } catch (IOException e) {
        return Long.MIN_VALUE;
      }
    }
  }
}
