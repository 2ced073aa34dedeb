#!/usr/bin/env bash
# cfn-lint over every synthesized template of every variant. Installs cfn-lint into the project venv itself.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/python-env.sh
out=.local/cfn
npx tsx scripts/synth-variants.ts "$out" >/dev/null
# Ignored rules, each with its reason (none so far).
mapfile -t templates < <(find "$out" -name '*.template.json' | sort)
echo "cfn-lint $(.venv/bin/cfn-lint --version | awk '{print $2}') over ${#templates[@]} templates"
.venv/bin/cfn-lint --format parseable -- "${templates[@]}"
echo "cfn-lint: 0 errors, 0 warnings"
