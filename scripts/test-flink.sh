#!/usr/bin/env bash
# Flink job tests (jobs/flink, Maven Surefire): unit tests, operator harnesses, MiniCluster pipeline and restore tests.
# The first run resolves dependencies from Maven Central into ~/.m2; later runs work offline. The shade plugin is not
# run (tests stop at the test phase). Prints Surefire's per-class lines and its summary.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/jobs/flink"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Offline first (a warm ~/.m2 needs no network); online when something has not been downloaded yet.
mvn -B -ntp -o test "$@" >"$log" 2>&1
status=$?
if [ $status -ne 0 ] && grep -q -E 'in offline mode|has not been downloaded' "$log"; then
  echo "flink tests: resolving Maven dependencies (first run)..."
  mvn -B -ntp test "$@" >"$log" 2>&1
  status=$?
fi
# Surefire's lines (per class, failures with their first stack lines, summary) and Maven's verdict.
grep -E '^\[(INFO|ERROR|WARNING)\] (Tests run|Running|T E S T S|Results|BUILD|Failures|Errors|  [A-Za-z]+Test)|^\[ERROR\]|^(org\.|java\.|dev\.streamlake|	at dev\.streamlake)' "$log" \
  | grep -v -E '^\[ERROR\] (To see|Re-run|For more|\[Help|-> \[Help|$)' || true
if [ $status -ne 0 ] && ! grep -q 'Tests run:' "$log"; then
  # Not a test failure (compilation, dependency resolution): show the end of Maven's output.
  tail -40 "$log"
fi
exit $status
