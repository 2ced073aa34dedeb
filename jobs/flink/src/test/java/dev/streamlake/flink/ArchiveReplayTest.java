package dev.streamlake.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamlake.flink.config.JobSettings;
import dev.streamlake.flink.config.ProcessingSettings;
import dev.streamlake.flink.model.DeadLetter;
import dev.streamlake.flink.source.EventTimeRange;
import dev.streamlake.flink.source.LineBytesFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replay over the golden fixtures split at a seam in the middle of the data: the events before it come from a raw
 * archive in Firehose's layout (gzip objects under dt=/hour=, partitioned by occurredAt, records without a usable
 * occurredAt under errors/), the rest from a stand-in for the stream holding every record in arrival order. Each event
 * must be counted once and each malformed record dead-lettered once.
 */
class ArchiveReplayTest {
  private static final Instant SEAM = Instant.parse("2026-11-20T23:55:00Z");
  private static final DateTimeFormatter DT = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("HH").withZone(ZoneOffset.UTC);

  @RegisterExtension
  static final MiniClusterExtension CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  /** Records the source emitted, before parsing (static: the MiniCluster runs the operators in this JVM). */
  static final AtomicInteger READ = new AtomicInteger();

  @TempDir Path dir;

  @BeforeEach
  void reset() {
    TableSink.reset();
    READ.set(0);
  }

  /** Counts records as they leave the source. */
  static final class CountRead implements MapFunction<byte[], byte[]> {
    private static final long serialVersionUID = 1L;

    @Override
    public byte[] map(byte[] value) {
      READ.incrementAndGet();
      return value;
    }
  }

  /** Writes the lines as Firehose would: per hour of occurredAt, several gzip objects in delivery order. */
  static int writeArchive(Path root, List<byte[]> lines) throws IOException {
    Map<String, List<byte[]>> byPartition = new LinkedHashMap<>();
    for (byte[] line : lines) {
      long t = EventTimeRange.occurredAt(line);
      String key =
          t == Long.MIN_VALUE
              ? "errors"
              : "events/dt=" + DT.format(Instant.ofEpochMilli(t)) + "/hour=" + HOUR.format(Instant.ofEpochMilli(t));
      byPartition.computeIfAbsent(key, k -> new ArrayList<>()).add(line);
    }
    int objects = 0;
    for (Map.Entry<String, List<byte[]>> p : byPartition.entrySet()) {
      Path partition = root.resolve(p.getKey());
      Files.createDirectories(partition);
      List<byte[]> part = p.getValue();
      int perObject = Math.max(1, part.size() / 3);
      for (int i = 0, n = 0; i < part.size(); i += perObject, n++) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bytes)) {
          for (byte[] line : part.subList(i, Math.min(part.size(), i + perObject))) {
            gz.write(line);
            gz.write('\n');
          }
        }
        Files.write(partition.resolve(String.format("raw-events-1-2026-11-21-00-%02d-00-x.gz", n)), bytes.toByteArray());
        objects++;
      }
    }
    return objects;
  }

  private static JobSettings replaySettings(Path archiveRoot) {
    Map<String, Properties> groups = new HashMap<>();
    Properties source = new Properties();
    source.setProperty("streamArn", "arn:aws:kinesis:eu-west-1:123456789012:stream/raw-events");
    source.setProperty("eventTimeFrom", SEAM.toString());
    groups.put("Source", source);
    Properties sink = new Properties();
    sink.setProperty("tableName", "views");
    sink.setProperty("viewName", "flink-v2");
    groups.put("Sink", sink);
    Properties dead = new Properties();
    dead.setProperty("tableName", "views");
    groups.put("DeadLetter", dead);
    Properties archive = new Properties();
    archive.setProperty("path", archiveRoot.resolve("events").toUri().toString());
    archive.setProperty("from", "2026-11-20T00:00:00Z");
    groups.put("Archive", archive);
    return JobSettings.fromGroups(groups);
  }

  @Test
  void archiveBeforeTheSeamThenTheStreamCountsEveryEventOnceAndDeadLettersEachMalformedRecordOnce()
      throws Exception {
    List<byte[]> lines = Fixtures.eventLines();
    Path archiveRoot = dir.resolve("raw");
    int objects = writeArchive(archiveRoot, lines);
    assertTrue(objects > 4, "several objects per partition");
    // The stream stand-in: every record in arrival order, in one plain file, filtered like the Kinesis source.
    Path stream = dir.resolve("stream.jsonl");
    try (OutputStream out = Files.newOutputStream(stream)) {
      for (byte[] line : lines) {
        out.write(line);
        out.write('\n');
      }
    }
    JobSettings settings = replaySettings(archiveRoot);
    FileSource<byte[]> streamStandIn =
        FileSource.forRecordStreamFormat(
                new LineBytesFormat(EventTimeRange.of(settings.eventTimeFrom, null)),
                new org.apache.flink.core.fs.Path(stream.toUri()))
            .build();

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    env.getConfig().enableObjectReuse();
    env.getConfig().setAutoWatermarkInterval(1);
    DataStream<byte[]> raw =
        ViewsPipeline.fromSource(
                env, ViewsJob.archiveThen(settings, streamStandIn), "archive-then-stream", settings.processing)
            .map(new CountRead())
            .returns(PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    ViewsPipeline.Outputs out = ViewsPipeline.build(raw, ProcessingSettings.defaults());
    out.totals.addSink(new TableSink.Totals());
    out.deadLetters.addSink(new TableSink.DeadLetters());
    env.execute("archive-replay");

    // Every record is read exactly once: the split is by event time, not left to the dedupe.
    assertEquals(lines.size(), READ.get());
    assertEquals(Fixtures.expectedMinutes(), Fixtures.asMinutes(TableSink.TABLE.values()));
    List<String> reasons = new ArrayList<>();
    for (DeadLetter d : TableSink.DEAD_LETTERS) {
      reasons.add(d.reason);
    }
    assertEquals(Fixtures.histogram(Fixtures.malformed().values()), Fixtures.histogram(reasons));
  }
}
