package dev.streamlake.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamlake.flink.config.ProcessingSettings;
import dev.streamlake.flink.model.DeadLetter;
import dev.streamlake.flink.source.EventTimeWatermarks;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The whole pipeline on a MiniCluster over the golden fixtures, in arrival order. */
class PipelineTest {
  @RegisterExtension
  static final MiniClusterExtension CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  @BeforeEach
  void reset() {
    TableSink.reset();
    ReplaySource.reset();
  }

  static void wire(StreamExecutionEnvironment env, ReplaySource source, ProcessingSettings settings) {
    DataStream<byte[]> raw =
        env.addSource(source, "fixture-replay", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
            .setParallelism(1)
            .uid("fixture-replay")
            // One split: the same per-split watermarks a FLIP-27 source generates (ViewsPipeline.fromSource).
            .assignTimestampsAndWatermarks(EventTimeWatermarks.forRawRecords(settings))
            .setParallelism(1)
            .uid("fixture-watermarks");
    ViewsPipeline.Outputs out = ViewsPipeline.build(raw, settings);
    out.totals.addSink(new TableSink.Totals()).name("totals").uid("totals");
    out.deadLetters.addSink(new TableSink.DeadLetters()).name("dead-letters").uid("dead-letters");
  }

  @Test
  void finalWindowTotalsEqualTheGoldenMinutesAndMalformedLinesAreDeadLettered() throws Exception {
    List<byte[]> lines = Fixtures.eventLines();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    env.getConfig().enableObjectReuse();
    env.getConfig().setAutoWatermarkInterval(1);
    wire(env, new ReplaySource(lines, -1, 2), ProcessingSettings.defaults());
    env.execute("pipeline-over-fixtures");

    assertEquals(Fixtures.expectedMinutes(), Fixtures.asMinutes(TableSink.TABLE.values()));
    // Late and out-of-order events re-emit corrected totals: more PUTs than windows.
    assertTrue(TableSink.PUTS.get() > TableSink.TABLE.size(), "expected late re-emissions");

    // Dead letters: the same reasons, for the same payloads, as malformed.json (none is too late in the fixtures).
    Map<String, String> expectedByPayload = new HashMap<>();
    Map<Integer, String> malformed = Fixtures.malformed();
    for (Map.Entry<Integer, String> m : malformed.entrySet()) {
      expectedByPayload.put(
          new String(lines.get(m.getKey() - 1), StandardCharsets.UTF_8) + "\u0000" + m.getValue(), m.getValue());
    }
    List<String> got = new ArrayList<>();
    for (DeadLetter d : TableSink.DEAD_LETTERS) {
      got.add(d.payload + "\u0000" + d.reason);
    }
    assertEquals(malformed.size(), got.size());
    assertEquals(
        Fixtures.histogram(malformed.values()),
        Fixtures.histogram(TableSink.DEAD_LETTERS.stream().map(d -> d.reason)::iterator));
    for (String g : got) {
      assertTrue(expectedByPayload.containsKey(g), "unexpected dead letter " + g);
    }
  }
}
