#!/usr/bin/env bash
# Benchmarks the Spark job's transform stage against DuckDB on the same files and cores (prints figures only).
# The data set (default 5,000,000 events for 2026-11-20 plus two neighbour days) is generated once and cached
# under .local/bench-data/, keyed by its parameters. Extra arguments go to jobs/spark/bench/bench.py
# (--events N, --other-events N, --cores N, --driver-memory 4g, --day yyyy-MM-dd, --seed N).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/python-env.sh
exec .venv/bin/python jobs/spark/bench/bench.py --data "$root/.local/bench-data" "$@"
