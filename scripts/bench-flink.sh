#!/usr/bin/env bash
# Benchmark of the Flink views job (`npm run bench:flink`): the job's pipeline (parse → validate → watermark → dedupe
# → 1-minute windows → discarding sinks) and a pass-through job (source → parse → discarding sink) on a local
# MiniCluster over the same seeded in-memory events (no emulator is measured). Prints events/s per core for both and
# their ratio. Arguments go to the benchmark: [--events N (5000000)] [--parallelism P (2)] [--warmup N (500000)].
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
