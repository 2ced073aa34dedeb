#!/usr/bin/env bash
# Runs the Flink views job on a local MiniCluster (the same code as the Managed Flink jar) against the endpoints in a
# properties file (e.g. kinesis-local and dynalite), checkpointing to a local directory.
#
#   scripts/run-flink-local.sh --properties <file> [--checkpoint-dir <dir>] [--restore-latest] [--parallelism N]
#                              [--rest-port PORT]
#
# --properties       Group.key=value lines; groups and keys: lib/contracts/flink-properties.json, jobs/flink/README.md
# --checkpoint-dir   where checkpoints go; they are retained when the job is cancelled or killed
# --restore-latest   resume from the newest retained checkpoint in --checkpoint-dir (fresh start if there is none)
# --rest-port        the MiniCluster's REST endpoint on 127.0.0.1:PORT (0 = a free port), printed as
#                    "streamlake-flink: rest endpoint http://127.0.0.1:<port>" before the running line
#
# Prints "streamlake-flink: job running (...)" on stdout once the job is submitted; Flink's own log goes to stderr
# (warnings and errors). The JVM replaces this shell (exec), so killing this script's PID stops the job.
# The first run resolves Maven dependencies (network); later runs work offline. Credentials: the AWS default chain;
# dummy static keys are set when none are given (local emulators accept any).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
module="$root/jobs/flink"

have_properties=0
for arg in "$@"; do
  [ "$arg" = "--properties" ] && have_properties=1
done
if [ $have_properties -eq 0 ]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi

# Build the classes and a classpath file holding the provided Flink runtime too (flink deps are `provided` in the jar).
cp_file="$module/target/local-classpath.txt"
build() {
  mvn -B -q -ntp "$@" -f "$module/pom.xml" compile dependency:build-classpath \
    -Dmdep.includeScope=compile -Dmdep.outputFile="$cp_file" >&2
}
build -o 2>/dev/null || build

export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-local}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-local}"
export AWS_REGION="${AWS_REGION:-us-east-1}"

exec java ${FLINK_LOCAL_JAVA_OPTS:--Xmx1g} \
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
  --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
  -Dlog4j.configurationFile="$module/local/log4j2-local.properties" \
  -cp "$module/target/classes:$(cat "$cp_file")" \
  dev.streamlake.flink.ViewsJob "$@"
