#!/usr/bin/env bash
# Tests and lints the PySpark batch job (jobs/spark). Lint runs first so that pytest's summary line
# ("N passed, N failed in …") is the last thing printed, where CI reads it. Exits non-zero on any failure.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/python-env.sh || exit 1

lint=0
.venv/bin/ruff check jobs/spark || lint=1
.venv/bin/ruff format --check jobs/spark || lint=1

# -p no:cacheprovider: no .pytest_cache written into the tree; -ra lists anything not passed.
.venv/bin/pytest jobs/spark/tests -p no:cacheprovider "$@"
tests=$?
if [ "$lint" -ne 0 ]; then echo "ruff found problems in jobs/spark (see above)" >&2; fi
if [ "$tests" -ne 0 ] || [ "$lint" -ne 0 ]; then exit 1; fi
