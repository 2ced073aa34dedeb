#!/usr/bin/env bash
# `npm test`: every suite, in an order that fails fast on cheap checks. Installs what it needs (the Python venv,
# Maven dependencies) itself. Each step's time is printed; the last line sums up the steps.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CI="${CI:-}"

passed=0; failed=0; failures=()
step() {
  local name=$1; shift
  local start=$SECONDS
  echo "::: $name"
  if "$@"; then
    passed=$((passed + 1)); echo "::: $name passed in $((SECONDS - start)) s"
  else
    failed=$((failed + 1)); failures+=("$name"); echo "::: $name FAILED in $((SECONDS - start)) s"
  fi
}

step typecheck npx tsc --noEmit
step lint npx biome check .
step "unit tests (jest)" npx jest --ci --selectProjects unit
step cfn-lint bash scripts/cfn-lint.sh
# Deploys target=localstack into community LocalStack (host mode, no Docker) and checks the raw archive; about 3 min.
step "LocalStack trial (target=localstack deploys)" npx tsx scripts/localstack-trial.ts
[ -f scripts/test-spark.sh ] && step "spark job (pytest)" bash scripts/test-spark.sh
[ -f scripts/test-flink.sh ] && step "flink job (maven)" bash scripts/test-flink.sh
if compgen -G "test/e2e/*.test.ts" >/dev/null; then
  bash scripts/ensure-chromium.sh # the dashboard's browser test needs a Chromium; it says so when it cannot get one
  step "end-to-end tests (jest)" npx jest --ci --selectProjects e2e --runInBand
fi

echo
echo "test steps: $passed passed, $failed failed${failures[*]:+ (${failures[*]})} in $SECONDS s"
[ "$failed" -eq 0 ]
