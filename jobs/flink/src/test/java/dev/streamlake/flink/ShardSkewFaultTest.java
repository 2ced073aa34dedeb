package dev.streamlake.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.streamlake.flink.config.ProcessingSettings;
import dev.streamlake.flink.model.DeadLetter;
import dev.streamlake.flink.model.TimeFormat;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Shard skew: 4 shards read at parallelism 2, so each subtask reads two shards. Shard 3 lags 20 minutes behind the
 * others at the start (twice the allowed lateness: a catch-up after an outage or a hand-over) and catches up by the
 * end. Watermarks generated per subtask after parsing let shard 1 (read by the same subtask) declare shard 3's on-time
 * events too late; per-shard watermarks in the source must not.
 */
class ShardSkewFaultTest {
  @RegisterExtension
  static final MiniClusterExtension CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  static final long T0 = Instant.parse("2026-11-20T22:00:00Z").toEpochMilli();
  static final long SPAN = Duration.ofMinutes(40).toMillis();
  static final long LAG = Duration.ofMinutes(20).toMillis();
  static final String[] TYPES = {"view_start", "heartbeat", "like", "view_end"};

  @BeforeEach
  void reset() {
    TableSink.reset();
  }

  /** A record with its event time and when it arrives (its position in the global arrival order). */
  static final class Arrival {
    final int shard;
    final byte[] bytes;
    final long arrivesAt;

    Arrival(int shard, byte[] bytes, long arrivesAt) {
      this.shard = shard;
      this.bytes = bytes;
      this.arrivesAt = arrivesAt;
    }
  }

  static byte[] event(int serial, int shard, long occurredAt) {
    String type = TYPES[serial % TYPES.length];
    String watch = type.equals("heartbeat") || type.equals("view_end") ? ",\"watchSeconds\":30" : "";
    return ("{\"eventId\":\"" + String.format("00000000-0000-4000-8000-%012d", serial) + "\",\"type\":\"" + type
            + "\",\"userId\":\"user-" + shard + "\",\"contentId\":\"match-" + (serial % 7)
            + "\",\"occurredAt\":\"" + TimeFormat.iso(occurredAt) + "\",\"region\":\"IN-MH\",\"device\":\"android\""
            + watch + "}")
        .getBytes(StandardCharsets.UTF_8);
  }

  static String windowKey(byte[] event) {
    String s = new String(event, StandardCharsets.UTF_8);
    String type = s.replaceAll(".*\"type\":\"([^\"]+)\".*", "$1");
    String content = s.replaceAll(".*\"contentId\":\"([^\"]+)\".*", "$1");
    long at = Instant.parse(s.replaceAll(".*\"occurredAt\":\"([^\"]+)\".*", "$1")).toEpochMilli();
    return content + "|" + type + "|" + TimeFormat.minute(at);
  }

  @Test
  @DisplayName("fault: 4 shards, parallelism 2, one shard lagging beyond the allowed lateness then catching up")
  void noOnTimeEventIsDeclaredTooLateWhenAShardLagsAndTotalsEqualTheReference() throws Exception {
    List<Arrival> arrivals = new ArrayList<>();
    Map<String, Long> reference = new TreeMap<>();
    int serial = 0;
    // Shard 3 holds its lagging records from the start: the source creates every split's watermark output when the
    // split is assigned, so an unread shard holds the watermark back (until Processing.idlenessSeconds, 60 s).
    for (int shard = 0; shard < 4; shard++) {
      for (long t = 0; t < SPAN; t += 1500) {
        long occurredAt = T0 + t + (serial * 7919L) % 3000; // up to 3 s out of order, within the 5 s bound
        // Shards 0-2 deliver in real time; shard 3 starts LAG behind and delivers twice as fast until caught up.
        long arrivesAt = shard == 3 ? T0 + LAG + t * (SPAN - LAG) / SPAN : occurredAt;
        byte[] e = event(serial++, shard, occurredAt);
        arrivals.add(new Arrival(shard, e, arrivesAt));
        reference.merge(windowKey(e), 1L, Long::sum);
      }
    }
    // Records without a readable time on the lagging shard: dead-lettered, and neither moving nor holding watermarks.
    arrivals.add(new Arrival(3, "{not json".getBytes(StandardCharsets.UTF_8), T0 + LAG + 1));
    arrivals.add(new Arrival(3,
        "{\"eventId\":\"00000000-0000-4000-8000-999999999999\",\"occurredAt\":\"yesterday\"}"
            .getBytes(StandardCharsets.UTF_8),
        T0 + SPAN - 1));
    // No event here is later than its own shard allows, so no too_late dead letter may appear. (An event made too late
    // on purpose would make this test depend on timing: whether it is late at the window depends on how far the other
    // subtask has got. WindowHarnessTest covers too_late deterministically.)

    arrivals.sort(Comparator.comparingLong(a -> a.arrivesAt));
    List<List<byte[]>> shards = new ArrayList<>();
    for (int s = 0; s < 4; s++) {
      shards.add(new ArrayList<>());
    }
    int[] order = new int[arrivals.size()];
    for (int i = 0; i < arrivals.size(); i++) {
      Arrival a = arrivals.get(i);
      shards.get(a.shard).add(a.bytes);
      order[i] = a.shard;
    }

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    env.getConfig().enableObjectReuse();
    env.getConfig().setAutoWatermarkInterval(1);
    ProcessingSettings settings = ProcessingSettings.defaults(); // 5 s out of order, 10 min lateness, 60 s idleness
    DataStream<byte[]> raw =
        ViewsPipeline.fromSource(env, new ShardedSource(shards, order, 8), "sharded-stream", settings);
    ViewsPipeline.Outputs out = ViewsPipeline.build(raw, settings);
    out.totals.addSink(new TableSink.Totals());
    out.deadLetters.addSink(new TableSink.DeadLetters());
    env.execute("shard-skew");

    Map<String, Long> reasons = new TreeMap<>();
    for (DeadLetter d : TableSink.DEAD_LETTERS) {
      reasons.merge(d.reason, 1L, Long::sum);
    }
    assertEquals(Map.of("invalid_json", 1L, "schema:type", 1L), reasons, "dead letters by reason (no too_late)");
    Map<String, Long> counted = new TreeMap<>();
    TableSink.TABLE.values().forEach(t -> counted.put(t.contentId + "|" + t.type + "|" + t.minute(), t.count));
    assertEquals(reference, counted);
  }
}
