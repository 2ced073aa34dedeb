package dev.streamlake.flink.bench;

import dev.streamlake.flink.sink.FakeDynamoDb;
import dev.streamlake.flink.sink.ViewsSink;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Throughput of the views sink against a DynamoDB stand-in with a fixed latency per BatchWriteItem request
 * ({@link FakeDynamoDb}, in process: no emulator is measured), in a Flink job on a local MiniCluster: window totals of
 * distinct keys → {@link ViewsSink}. Compares the sink as it is (per-key ordering, several requests in flight) with
 * the strictly sequential writer of earlier versions (one request in flight), at each latency, in the same run.
 */
final class SinkBenchmark {
  private SinkBenchmark() {}

  /** Writes/s per subtask, measured from each writer's first request to its last answer. */
  static double run(int parallelism, long latencyMicros, int maxInFlight, long millis) throws Exception {
    FakeDynamoDb.CREATED.clear();
    Configuration conf = new Configuration();
    conf.setString("restart-strategy.type", "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
    env.addSource(new SyntheticTotals(millis), "window-totals")
        .sinkTo(
            ViewsSink.withLimits(
                "views", "flink-v1", new Properties(), maxInFlight, FakeDynamoDb.factory(latencyMicros, false)))
        .name("views-table");
    env.execute("bench-views-sink");
    double sum = 0;
    long requests = 0;
    long items = 0;
    long answerNanos = 0;
    int peak = 0;
    for (FakeDynamoDb fake : FakeDynamoDb.CREATED) {
      if (!fake.violations.isEmpty()) {
        throw new IllegalStateException("the sink broke per-key ordering: " + fake.violations.peek());
      }
      double seconds = (fake.lastAnswerNanos - fake.firstRequestNanos) / 1e9;
      sum += fake.itemsWritten.get() / seconds;
      requests += fake.requests.get();
      answerNanos += fake.answerNanos.get();
      items += fake.itemsWritten.get();
      peak = Math.max(peak, fake.maxInFlight.get());
    }
    double perSubtask = sum / FakeDynamoDb.CREATED.size();
    System.out.printf(
        "  %5.1f ms  %-26s %,9.0f writes/s per subtask  (%,d items in %,d requests, %.1f per request, answered"
            + " after %.1f ms on average, peak %d in flight)%n",
        latencyMicros / 1000.0,
        maxInFlight == 1 ? "one request in flight" : "per-key, " + maxInFlight + " in flight",
        perSubtask, items, requests, (double) items / requests, answerNanos / 1e6 / requests, peak);
    return perSubtask;
  }

  /** Prints the sink figures; latencies in ms. */
  static void report(int parallelism, double[] latenciesMs, long millis) throws Exception {
    System.out.printf(
        "views sink: window totals of distinct keys → ViewsSink → in-process DynamoDB stand-in with a fixed latency"
            + " per BatchWriteItem (≤ 25 items), parallelism %d, %.0f s per run%n",
        parallelism, millis / 1000.0);
    double at5 = Double.NaN;
    double oldAt5 = Double.NaN;
    StringBuilder limits = new StringBuilder();
    for (double ms : latenciesMs) {
      long micros = Math.round(ms * 1000);
      double old = run(parallelism, micros, 1, millis);
      double now = run(parallelism, micros, ViewsSink.DEFAULT_MAX_IN_FLIGHT_REQUESTS, millis);
      if (ms == 5) {
        at5 = now;
        oldAt5 = old;
      }
      limits.append(String.format(
          "  %5.1f ms: one in flight above %,.0f keys/min, per-key above %,.0f keys/min%n",
          ms, old * 60 * parallelism, now * 60 * parallelism));
    }
    System.out.printf(
        "key cardinality per minute at which the sink falls behind (60 s × writes/s per subtask × %d subtasks; the"
            + " minute windows emit one total per active key per minute, plus late corrections):%n%s",
        parallelism, limits);
    if (!Double.isNaN(at5)) {
      System.out.printf(
          "goal: >= 10,000 view writes/s per subtask at 5 ms: %s (%,.0f; one in flight: %,.0f)%n",
          at5 >= 10_000 ? "met" : "NOT met", at5, oldAt5);
    }
  }
}
