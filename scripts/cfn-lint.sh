#!/usr/bin/env bash
# cfn-lint over every synthesized template of every variant. Installs cfn-lint into the project venv itself.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/python-env.sh
out=.local/cfn
npx tsx scripts/synth-variants.ts "$out" >/dev/null
# Ignored rules, each with its reason:
#   W3005  CDK adds an explicit DependsOn on a role (or its policy) that a GetAtt already implies; the redundancy is in
#          CDK's generated templates, harmless, and not ours to remove.
ignore=(--ignore-checks W3005)
mapfile -t templates < <(find "$out" -name '*.template.json' | sort)
echo "cfn-lint $(.venv/bin/cfn-lint --version | awk '{print $2}') over ${#templates[@]} templates, ignoring ${ignore[*]:1}"
.venv/bin/cfn-lint --format parseable "${ignore[@]}" -- "${templates[@]}"
echo "cfn-lint: 0 errors, 0 warnings"
