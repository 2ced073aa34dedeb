package dev.streamlake.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamlake.flink.config.JobSettings;
import dev.streamlake.flink.config.ProcessingSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobSettingsTest {
  private static final String ARN = "arn:aws:kinesis:eu-west-1:123456789012:stream/raw-events";

  private static Map<String, Properties> minimal() {
    Map<String, Properties> groups = new HashMap<>();
    groups.computeIfAbsent("Source", g -> new Properties()).setProperty("streamArn", ARN);
    groups.computeIfAbsent("Sink", g -> new Properties()).setProperty("tableName", "views");
    groups.computeIfAbsent("DeadLetter", g -> new Properties()).setProperty("tableName", "dead");
    return groups;
  }

  @Test
  void appliesDefaultsAndDerivesRegionsFromTheStreamArn() {
    JobSettings s = JobSettings.fromGroups(minimal());
    assertEquals("eu-west-1", s.sourceRegion);
    assertEquals("eu-west-1", s.sinkRegion);
    assertEquals("eu-west-1", s.deadLetterRegion);
    assertEquals("", s.sourceEndpoint);
    assertEquals(JobSettings.InitialPosition.TRIM_HORIZON, s.initialPosition);
    assertNull(s.initialTimestamp);
    assertEquals("flink-v1", s.viewName);
    assertEquals(14, s.deadLetterTtlDays);
    assertEquals(Duration.ofSeconds(5), s.processing.outOfOrderness);
    assertEquals(Duration.ofSeconds(60), s.processing.idleness);
    assertEquals(Duration.ofMinutes(10), s.processing.allowedLateness);
    assertEquals(Duration.ofHours(1), s.processing.dedupeHorizon);
    assertEquals(Duration.ofSeconds(10), s.processing.checkpointInterval);
  }

  @Test
  void deadLetterEndpointFallsBackToTheSinkEndpoint() {
    Map<String, Properties> groups = minimal();
    groups.get("Sink").setProperty("endpoint", "http://127.0.0.1:4569");
    groups.get("Sink").setProperty("region", "us-east-1");
    JobSettings s = JobSettings.fromGroups(groups);
    assertEquals("http://127.0.0.1:4569", s.deadLetterEndpoint);
    assertEquals("us-east-1", s.deadLetterRegion);
  }

  @Test
  void failsWhenRequiredKeysAreMissingNamingEachOne() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> JobSettings.fromGroups(new HashMap<>()));
    assertTrue(e.getMessage().contains("Source.streamArn is required"), e.getMessage());
    assertTrue(e.getMessage().contains("Sink.tableName is required"), e.getMessage());
    assertTrue(e.getMessage().contains("DeadLetter.tableName is required"), e.getMessage());
  }

  @Test
  void failsOnUnknownGroupsAndKeys() {
    Map<String, Properties> groups = minimal();
    groups.get("Sink").setProperty("tablename", "typo");
    groups.computeIfAbsent("Sourse", g -> new Properties()).setProperty("x", "y");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobSettings.fromGroups(groups));
    assertTrue(e.getMessage().contains("unknown property Sink.tablename"), e.getMessage());
    assertTrue(e.getMessage().contains("unknown property group Sourse"), e.getMessage());
  }

  @Test
  void failsOnBadValues() {
    Map<String, Properties> groups = minimal();
    groups.get("Source").setProperty("initialPosition", "EARLIEST");
    groups.computeIfAbsent("Processing", g -> new Properties()).setProperty("allowedLatenessSeconds", "-1");
    groups.get("Sink").setProperty("viewName", "speed");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobSettings.fromGroups(groups));
    assertTrue(e.getMessage().contains("Source.initialPosition=EARLIEST"), e.getMessage());
    assertTrue(e.getMessage().contains("Processing.allowedLatenessSeconds=-1"), e.getMessage());
    assertTrue(e.getMessage().contains("Sink.viewName=speed"), e.getMessage());
  }

  @Test
  void failsWhenAtTimestampHasNoTimestamp() {
    Map<String, Properties> groups = minimal();
    groups.get("Source").setProperty("initialPosition", "AT_TIMESTAMP");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobSettings.fromGroups(groups));
    assertTrue(e.getMessage().contains("Source.initialTimestamp is required"), e.getMessage());
    groups.get("Source").setProperty("initialTimestamp", "2026-11-20T23:40:00Z");
    assertEquals(Instant.parse("2026-11-20T23:40:00Z"), JobSettings.fromGroups(groups).initialTimestamp);
  }

  @Test
  void readsAGroupDotKeyPropertiesFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("local.properties");
    Files.write(
        file,
        ("# local run\nSource.streamArn=" + ARN + "\nSource.endpoint = http://127.0.0.1:4568\n"
                + "Sink.tableName=views\nDeadLetter.tableName=views\nProcessing.dedupeHorizonSeconds=120\n")
            .getBytes(StandardCharsets.UTF_8));
    JobSettings s = JobSettings.fromGroups(JobSettings.readPropertiesFile(file));
    assertEquals("http://127.0.0.1:4568", s.sourceEndpoint);
    assertEquals(Duration.ofSeconds(120), s.processing.dedupeHorizon);
  }

  @Test
  void processingDefaultsMatchTheContract() {
    ProcessingSettings p = ProcessingSettings.defaults();
    assertEquals(Duration.ofSeconds(5), p.outOfOrderness);
    assertEquals(Duration.ofMinutes(10), p.allowedLateness);
  }

  private static Map<String, Properties> withArchive(String path, String from, String eventTimeFrom) {
    Map<String, Properties> groups = minimal();
    Properties archive = new Properties();
    archive.setProperty("path", path);
    archive.setProperty("from", from);
    groups.put("Archive", archive);
    groups.get("Source").setProperty("eventTimeFrom", eventTimeFrom);
    return groups;
  }

  @Test
  void readsAReplayFromTheArchiveThenTheStream() {
    JobSettings s =
        JobSettings.fromGroups(withArchive("s3://raw/raw/events", "2026-11-01T00:00:00Z", "2026-11-20T00:00:00Z"));
    assertEquals("s3://raw/raw/events", s.archivePath);
    assertEquals(Instant.parse("2026-11-01T00:00:00Z"), s.archiveFrom);
    assertEquals(Instant.parse("2026-11-20T00:00:00Z"), s.eventTimeFrom);
    JobSettings plain = JobSettings.fromGroups(minimal());
    assertNull(plain.archivePath);
    assertNull(plain.eventTimeFrom);
  }

  @Test
  void rejectsAnArchiveWithoutItsRangeOrWithAnEmptyOne() {
    String noSeam =
        assertThrows(
                IllegalArgumentException.class,
                () -> JobSettings.fromGroups(withArchive("s3://raw/raw/events", "2026-11-01T00:00:00Z", "")))
            .getMessage();
    assertTrue(noSeam.contains("Source.eventTimeFrom is required when Archive.path is set"), noSeam);
    String noFrom =
        assertThrows(
                IllegalArgumentException.class,
                () -> JobSettings.fromGroups(withArchive("s3://raw/raw/events", "", "2026-11-20T00:00:00Z")))
            .getMessage();
    assertTrue(noFrom.contains("Archive.from is required"), noFrom);
    String backwards =
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    JobSettings.fromGroups(
                        withArchive("s3://raw/raw/events", "2026-11-20T00:00:00Z", "2026-11-20T00:00:00Z")))
            .getMessage();
    assertTrue(backwards.contains("must be before Source.eventTimeFrom"), backwards);
    String notUri =
        assertThrows(
                IllegalArgumentException.class,
                () -> JobSettings.fromGroups(withArchive("raw/events", "2026-11-01T00:00:00Z", "2026-11-20T00:00:00Z")))
            .getMessage();
    assertTrue(notUri.contains("must be a URI"), notUri);
    String badInstant =
        assertThrows(
                IllegalArgumentException.class,
                () -> JobSettings.fromGroups(withArchive("", "yesterday", "2026-11-20")))
            .getMessage();
    assertTrue(badInstant.contains("Archive.from=yesterday is not an ISO-8601 instant"), badInstant);
    assertTrue(badInstant.contains("Source.eventTimeFrom=2026-11-20 is not an ISO-8601 instant"), badInstant);
  }
}
