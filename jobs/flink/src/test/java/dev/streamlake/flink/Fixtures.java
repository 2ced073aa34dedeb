package dev.streamlake.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamlake.flink.model.WindowTotal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The shared golden fixtures ({@code test/fixtures/}) and contracts ({@code lib/contracts/}) of the repository. */
public final class Fixtures {
  public static final ObjectMapper JSON = new ObjectMapper();

  private Fixtures() {}

  /** The repository root: the first ancestor of the working directory holding lib/contracts. */
  public static Path repoRoot() {
    Path dir = Paths.get("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("lib/contracts"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("run the tests from inside the streamlake repository");
    }
    return dir;
  }

  public static JsonNode json(String relative) throws IOException {
    return JSON.readTree(repoRoot().resolve(relative).toFile());
  }

  /** events.jsonl split on '\n' as raw bytes (some lines are deliberately not valid UTF-8 or JSON). */
  public static List<byte[]> eventLines() throws IOException {
    byte[] all = Files.readAllBytes(repoRoot().resolve("test/fixtures/events.jsonl"));
    List<byte[]> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < all.length; i++) {
      if (all[i] == '\n') {
        lines.add(Arrays.copyOfRange(all, start, i));
        start = i + 1;
      }
    }
    if (start < all.length) {
      lines.add(Arrays.copyOfRange(all, start, all.length));
    }
    return lines;
  }

  /** malformed.json as line number (1-based) → reason. */
  public static Map<Integer, String> malformed() throws IOException {
    Map<Integer, String> byLine = new TreeMap<>();
    for (JsonNode n : json("test/fixtures/malformed.json")) {
      byLine.put(n.get("line").asInt(), n.get("reason").asText());
    }
    return byLine;
  }

  /** expected-minute.json as "contentId|type|minute" → "count|watchSeconds". */
  public static Map<String, String> expectedMinutes() throws IOException {
    Map<String, String> expected = new TreeMap<>();
    for (JsonNode n : json("test/fixtures/expected-minute.json")) {
      expected.put(
          n.get("contentId").asText() + "|" + n.get("type").asText() + "|" + n.get("minute").asText(),
          n.get("count").asLong() + "|" + n.get("watchSeconds").asLong());
    }
    return expected;
  }

  /** Window totals in the shape of {@link #expectedMinutes()}. */
  public static Map<String, String> asMinutes(Iterable<WindowTotal> totals) {
    Map<String, String> out = new TreeMap<>();
    for (WindowTotal t : totals) {
      out.put(t.contentId + "|" + t.type + "|" + t.minute(), t.count + "|" + t.watchSeconds);
    }
    return out;
  }

  /** A reason histogram. */
  public static Map<String, Integer> histogram(Iterable<String> reasons) {
    Map<String, Integer> h = new HashMap<>();
    for (String r : reasons) {
      h.merge(r, 1, Integer::sum);
    }
    return new TreeMap<>(h);
  }
}
