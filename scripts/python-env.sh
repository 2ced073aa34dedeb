#!/usr/bin/env bash
# Creates (or refreshes) the project-local virtualenv .venv with requirements-dev.txt and the Spark job.
# Idempotent: it reinstalls only when requirements-dev.txt or jobs/spark/pyproject.toml changed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv"
stamp="$venv/.streamlake-stamp"
want=$(cat "$root/requirements-dev.txt" "$root"/jobs/spark/pyproject.toml 2>/dev/null | sha256sum | cut -d' ' -f1)
exec 9>"$root/.venv.lock"
flock 9
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/requirements-dev.txt"
if [ -f "$root/jobs/spark/pyproject.toml" ]; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -e "$root/jobs/spark"
fi
echo "$want" > "$stamp"
