package dev.streamlake.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamlake.flink.config.RuntimeContract;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The Java constants must say exactly what lib/contracts/flink-runtime.json says, no more and no less. */
class RuntimeContractTest {
  /** Every string leaf of the contract (except $comment), by JSON path. */
  static Map<String, String> leaves(JsonNode node, String path, Map<String, String> out) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().startsWith("$")) {
        continue;
      }
      String p = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
      if (e.getValue().isObject()) {
        leaves(e.getValue(), p, out);
      } else {
        out.put(p, e.getValue().asText());
      }
    }
    return out;
  }

  /** Which constant holds which contract entry. */
  static final Map<String, String> CONSTANT_OF =
      Map.ofEntries(
          Map.entry("logLines.jobRunning", "JOB_RUNNING_LINE"),
          Map.entry("logLines.restEndpoint", "REST_ENDPOINT_LINE"),
          Map.entry("localFlags.restPort", "REST_PORT_FLAG"),
          Map.entry("metrics.sinkInFlightRequests", "SINK_IN_FLIGHT_REQUESTS"),
          Map.entry("metrics.sinkBufferedWrites", "SINK_BUFFERED_WRITES"),
          Map.entry("metrics.sinkCompletedWrites", "SINK_COMPLETED_WRITES"),
          Map.entry("deadLetterKeys.prefix", "DEAD_LETTER_PREFIX"),
          Map.entry("deadLetterKeys.undatedDay", "DEAD_LETTER_UNDATED"),
          Map.entry("deadLetterKeys.pkFormat", "DEAD_LETTER_PK_FORMAT"),
          Map.entry("deadLetterKeys.skFormat", "DEAD_LETTER_SK_FORMAT"));

  static Map<String, String> constants() throws IllegalAccessException {
    Map<String, String> out = new TreeMap<>();
    for (Field f : RuntimeContract.class.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
        out.put(f.getName(), (String) f.get(null));
      }
    }
    return out;
  }

  @Test
  void everyContractEntryHasAnEqualConstantAndEveryConstantIsInTheContract() throws Exception {
    Map<String, String> contract = leaves(Fixtures.json("lib/contracts/flink-runtime.json"), "", new TreeMap<>());
    assertEquals(new TreeSet<>(CONSTANT_OF.keySet()), contract.keySet(), "contract entries mapped to constants");
    Map<String, String> constants = constants();
    assertEquals(new TreeSet<>(CONSTANT_OF.values()), constants.keySet(), "constants of RuntimeContract");
    for (Map.Entry<String, String> c : CONSTANT_OF.entrySet()) {
      assertEquals(contract.get(c.getKey()), constants.get(c.getValue()), c.getKey() + " vs " + c.getValue());
    }
    assertEquals(RuntimeContract.JOB_RUNNING_LINE, ViewsJob.RUNNING_LINE);
    // The documented layout is the one ViewItems builds.
    assertEquals(
        RuntimeContract.DEAD_LETTER_PK_FORMAT.replace("{view}", "flink-v1")
            .replace("{yyyy-MM-dd of occurredAt | undated}", RuntimeContract.DEAD_LETTER_UNDATED),
        dev.streamlake.flink.sink.ViewItems.deadLetterPartitionKey("flink-v1", Long.MIN_VALUE));
  }
}
