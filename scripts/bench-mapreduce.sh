#!/usr/bin/env bash
# Benchmarks the MapReduce engine's handlers against the Spark job's transform stage and DuckDB on the same generated
# data set as scripts/bench-spark.sh (cached under .local/bench-data/). Prints figures only. Extra arguments go to
# bench/mapreduce.ts (--events N, --other-events N, --cores N, --driver-memory 4g, --day yyyy-MM-dd, --seed N,
# --skip-spark).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/python-env.sh
exec npx tsx bench/mapreduce.ts "$@"
