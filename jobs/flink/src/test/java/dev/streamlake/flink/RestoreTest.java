package dev.streamlake.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.streamlake.flink.config.ProcessingSettings;
import dev.streamlake.flink.model.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly once end to end: stop the job mid-stream after a checkpoint (records after it were already emitted and
 * PUT), restore from the retained checkpoint, finish: the table still holds exactly the golden totals.
 */
class RestoreTest {
  @RegisterExtension
  static final MiniClusterExtension CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  @TempDir Path checkpoints;

  @BeforeEach
  void reset() {
    TableSink.reset();
    ReplaySource.reset();
  }

  private StreamExecutionEnvironment env(Optional<Path> restore) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.configure(ViewsJob.checkpointConfiguration(checkpoints, restore));
    env.enableCheckpointing(100, CheckpointingMode.EXACTLY_ONCE);
    env.setParallelism(2);
    env.getConfig().enableObjectReuse();
    env.getConfig().setAutoWatermarkInterval(1);
    return env;
  }

  @Test
  void restoresFromTheLatestRetainedCheckpointAndTotalsStayExact() throws Exception {
    List<byte[]> lines = Fixtures.eventLines();
    int pauseAt = lines.size() / 2;

    StreamExecutionEnvironment first = env(Optional.empty());
    PipelineTest.wire(first, new ReplaySource(lines, pauseAt, 2), ProcessingSettings.defaults());
    JobClient running = first.executeAsync("before-stop");
    long deadline = System.currentTimeMillis() + 120_000;
    while (ReplaySource.CHECKPOINTS_WHILE_PAUSED.get() < 2) {
      if (System.currentTimeMillis() > deadline) {
        fail("no checkpoint completed after the source paused");
      }
      Thread.sleep(20);
    }
    running.cancel().get();
    while (!running.getJobStatus().get().isGloballyTerminalState()) {
      Thread.sleep(20);
    }
    assertEquals(JobStatus.CANCELED, running.getJobStatus().get());
    int putsBeforeStop = TableSink.PUTS.get();
    assertTrue(putsBeforeStop > 0, "the first run should have written windows before it was stopped");
    assertTrue(
        !Fixtures.expectedMinutes().equals(Fixtures.asMinutes(TableSink.TABLE.values())),
        "the first run alone must not already hold the final totals");

    Optional<Path> latest = ViewsJob.Checkpoints.latest(checkpoints);
    assertTrue(latest.isPresent(), "no retained checkpoint under " + checkpoints);

    // The table (TableSink.TABLE) keeps what the first run wrote, like DynamoDB would.
    ReplaySource.reset();
    StreamExecutionEnvironment second = env(Optional.empty());
    PipelineTest.wire(second, new ReplaySource(lines, -1, 2), ProcessingSettings.defaults());
    StreamGraph graph = second.getStreamGraph();
    graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(latest.get().toUri().toString(), false));
    second.execute(graph);

    assertEquals(Fixtures.expectedMinutes(), Fixtures.asMinutes(TableSink.TABLE.values()));
    Set<String> expectedDead = new TreeSet<>();
    Fixtures.malformed()
        .forEach((line, reason) -> expectedDead.add(
            reason + " " + new String(lines.get(line - 1), StandardCharsets.UTF_8)));
    Set<String> gotDead = new TreeSet<>();
    for (DeadLetter d : TableSink.DEAD_LETTERS) {
      gotDead.add(d.reason + " " + d.payload);
    }
    // Dead letters are at least once; their DynamoDB keys are deterministic, so a replayed one overwrites itself.
    assertEquals(expectedDead, gotDead);
  }
}
