package dev.streamlake.flink.bench;

import dev.streamlake.flink.ViewsPipeline;
import dev.streamlake.flink.config.ProcessingSettings;
import dev.streamlake.flink.functions.ParseEvents;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Throughput of the job's pipeline (parse → validate → watermark → dedupe → 1-minute windows → discarding sinks)
 * against a pass-through job (source → parse → discarding sink) in the same JVM, both on a local MiniCluster with
 * the same in-memory source. Prints figures; asserts nothing (a benchmark is not a test).
 *
 * <p>Then the views sink against a DynamoDB stand-in with a fixed latency per request ({@link SinkBenchmark}).
 *
 * <p>Arguments: [--events N (5000000)] [--parallelism P (2)] [--warmup N (500000)] [--sink-latencies-ms 1,5,10]
 * [--sink-seconds S (5)] [--only-sink]
 */
public final class ViewsBenchmark {
  private static String lastCounts = "";

  private ViewsBenchmark() {}

  public static void main(String[] args) throws Exception {
    long events = 5_000_000;
    int parallelism = 2;
    long warmup = 500_000;
    double[] sinkLatencies = {1, 5, 10};
    long sinkMillis = 5_000;
    boolean onlySink = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--sink-latencies-ms":
          sinkLatencies = java.util.Arrays.stream(args[++i].split(",")).mapToDouble(Double::parseDouble).toArray();
          break;
        case "--sink-seconds":
          sinkMillis = Math.round(Double.parseDouble(args[++i]) * 1000);
          break;
        case "--only-sink":
          onlySink = true;
          break;
        case "--events":
          events = Long.parseLong(args[++i]);
          break;
        case "--parallelism":
          parallelism = Integer.parseInt(args[++i]);
          break;
        case "--warmup":
          warmup = Long.parseLong(args[++i]);
          break;
        default:
          throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (onlySink) {
      SinkBenchmark.report(parallelism, sinkLatencies, sinkMillis);
      return;
    }
    int cores = Runtime.getRuntime().availableProcessors();
    System.out.printf(
        "flink bench: %,d events, parallelism %d, %d cores available, JDK %s, heap state backend, exactly-once"
            + " checkpoints every 60 s (Managed Flink default) to a local dir, object reuse on%n",
        events, parallelism, cores, System.getProperty("java.version"));
    if (warmup > 0) {
      run(true, warmup, parallelism);
      run(false, warmup, parallelism);
    }
    double window = report("window job (parse+validate → watermark → dedupe → 1-min window → discard)",
        run(true, events, parallelism), events, parallelism);
    double pass = report("pass-through (source → parse+validate → discard)",
        run(false, events, parallelism), events, parallelism);
    System.out.printf("ratio window/pass-through: %.2f%n", window / pass);
    System.out.printf(
        "goal: >= 44,000 events/s per core for the window job (2x Nexmark q5 ~22k/core): %s%n",
        window / parallelism >= 44_000 ? "met" : "NOT met");
    if (sinkLatencies.length > 0) {
      SinkBenchmark.report(parallelism, sinkLatencies, sinkMillis);
    }
  }

  private static double report(String name, long millis, long events, int parallelism) {
    double perSecond = events * 1000.0 / millis;
    System.out.printf(
        "%s: %.2f s, %,.0f events/s, %,.0f events/s per core (parallelism %d) [%s]%n",
        name, millis / 1000.0, perSecond, perSecond / parallelism, parallelism, lastCounts);
    return perSecond;
  }

  private static long run(boolean windows, long events, int parallelism) throws Exception {
    java.nio.file.Path checkpoints = java.nio.file.Files.createTempDirectory("streamlake-flink-bench");
    // File-system checkpoints, as in the local runner (the default JobManager storage caps state at 5 MB).
    Configuration conf = dev.streamlake.flink.ViewsJob.checkpointConfiguration(checkpoints, java.util.Optional.empty());
    conf.setString("restart-strategy.type", "none"); // a benchmark that fails must say so, not retry forever
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
    env.getConfig().enableObjectReuse();
    env.enableCheckpointing(60_000, CheckpointingMode.EXACTLY_ONCE); // Managed Flink's default interval
    DataStream<byte[]> raw =
        env.addSource(new SyntheticEvents(events), "synthetic-events",
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
            // Each subtask of the source is one split: the job's per-split watermarks (ViewsPipeline.fromSource).
            .assignTimestampsAndWatermarks(
                dev.streamlake.flink.source.EventTimeWatermarks.forRawRecords(ProcessingSettings.defaults()));
    if (windows) {
      ViewsPipeline.Outputs out = ViewsPipeline.build(raw, ProcessingSettings.defaults());
      out.totals.addSink(new CountingDiscard<>("window totals"));
      out.deadLetters.addSink(new CountingDiscard<>("dead letters"));
    } else {
      org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator<dev.streamlake.flink.model.Event> parsed =
          ViewsPipeline.parse(raw);
      parsed.addSink(new CountingDiscard<>("valid events"));
      parsed.getSideOutput(ParseEvents.MALFORMED).addSink(new CountingDiscard<>("dead letters"));
    }
    JobExecutionResult result = env.execute(windows ? "bench-window" : "bench-pass-through");
    StringBuilder counts = new StringBuilder();
    for (java.util.Map.Entry<String, Object> a : new java.util.TreeMap<>(result.getAllAccumulatorResults()).entrySet()) {
      counts.append(counts.length() == 0 ? "" : ", ").append(a.getKey()).append(" ").append(String.format("%,d", (Long) a.getValue()));
    }
    lastCounts = counts.toString();
    org.apache.flink.util.FileUtils.deleteDirectory(checkpoints.toFile());
    return result.getNetRuntime();
  }
}
