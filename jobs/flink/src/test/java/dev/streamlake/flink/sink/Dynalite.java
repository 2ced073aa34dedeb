package dev.streamlake.flink.sink;

import dev.streamlake.flink.Fixtures;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * dynalite (the repository's DynamoDB emulator, node_modules/dynalite), started by a test on a free port of 127.0.0.1
 * (in memory) and stopped by it. Needs `node` and `npm ci` in the repository.
 */
final class Dynalite implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("^dynalite listening on (\\d+)$");

  private final Process process;
  final String endpoint;

  private Dynalite(Process process, String endpoint) {
    this.process = process;
    this.endpoint = endpoint;
  }

  static Dynalite start() throws IOException, InterruptedException {
    Path module = Fixtures.repoRoot().resolve("node_modules/dynalite/index.js");
    if (!Files.exists(module)) {
      throw new IllegalStateException(module + " is missing: run npm ci in the repository first");
    }
    // The CLI treats --port 0 as "the default port"; listening from a script gets a free one.
    String script =
        "const s = require(process.argv[1])({ createTableMs: 0 });"
            + "s.listen(0, '127.0.0.1', () => console.log('dynalite listening on ' + s.address().port));";
    Process p =
        new ProcessBuilder("node", "-e", script, module.toString()).redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      Matcher m = LISTENING.matcher(line.trim());
      if (m.matches()) {
        Thread drain = new Thread(() -> out.lines().forEach(l -> {}), "dynalite-output");
        drain.setDaemon(true);
        drain.start();
        return new Dynalite(p, "http://127.0.0.1:" + m.group(1));
      }
    }
    p.waitFor(5, TimeUnit.SECONDS);
    throw new IllegalStateException("dynalite exited before listening (exit " + p.exitValue() + ")");
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }
}
