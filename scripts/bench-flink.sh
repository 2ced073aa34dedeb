#!/usr/bin/env bash
# Benchmark of the Flink views job (`npm run bench:flink`): the job's pipeline (parse → validate → watermark → dedupe
# → 1-minute windows → discarding sinks) and a pass-through job (source → parse → discarding sink) on a local
# MiniCluster over the same seeded in-memory events (no emulator is measured). Prints events/s per core for both and
# their ratio. Then the views sink against an in-process DynamoDB stand-in with a fixed latency per BatchWriteItem:
# view writes/s per subtask at each latency, per-key ordered (the job's sink) and one request in flight (the sink of
# earlier versions) in the same run, and the key cardinality per minute at which the sink falls behind.
# Arguments go to the benchmark: [--events N (5000000)] [--parallelism P (2)] [--warmup N (500000)]
# [--sink-latencies-ms 1,5,10] [--sink-seconds S (5)] [--only-sink].
# FLINK_BENCH_JAVA_OPTS overrides the JVM options (default -Xmx6g: the dedupe state holds every eventId for 1 h).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
module="$root/jobs/flink"
cp_file="$module/target/bench-classpath.txt"
build() {
  mvn -B -q -ntp "$@" -f "$module/pom.xml" test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >&2
}
build -o 2>/dev/null || build
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (other processes share the cores)"
exec java ${FLINK_BENCH_JAVA_OPTS:--Xmx6g} \
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
  -Dlog4j.configurationFile="$module/local/log4j2-local.properties" \
  -cp "$module/target/classes:$module/target/test-classes:$(cat "$cp_file")" \
  dev.streamlake.flink.bench.ViewsBenchmark "$@"
