#!/usr/bin/env bash
# Validates bcpcheck's SARIF with Microsoft's SARIF Multitool and GitHub's ingestion rules
# (`validate --rule-kind "Gh;Sarif"`). Installs the tool with npm (it runs offline), runs bcpcheck on
# failing fixtures (exceptions, inline waivers, a baseline, a broken policy, the built-in packs) and
# fails on any error or warning the tool reports, except those allowed below with their reason.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

tool_version=5.7.0
tool_dir=${SARIF_TOOL_DIR:-$root/target/sarif-multitool}
if [ ! -d "$tool_dir/node_modules/@microsoft/sarif-multitool" ]; then
  npm install --prefix "$tool_dir" --no-audit --no-fund --loglevel=error \
    "@microsoft/sarif-multitool@$tool_version" >/dev/null
fi
# The package's bin.js passes arguments through a shell, which splits "Gh;Sarif" at the `;`:
# call the platform binary it points to directly.
multitool=$(node -p "require('$tool_dir/node_modules/@microsoft/sarif-multitool')")
chmod u+x "$multitool" 2>/dev/null || true

source .ci/reports.sh
sarif() { local name=$1; shift; report sarif "$name.sarif" "$@"; }

sarif exceptions "$fixture" "${common[@]}" --exceptions exceptions.yaml plans
sarif no-exceptions "$fixture" "${common[@]}" --no-exceptions plans
(cd "$fixture" && "$bcpcheck" check "${common[@]}" --no-exceptions --format json \
  --write-baseline "$out/baseline.json" plans/alpha.yaml >/dev/null 2>&1) || true
sarif baseline "$fixture" "${common[@]}" --baseline "$out/baseline.json" plans
mkdir -p "$out/broken"
cp -r "$fixture/plans" "$out/broken/"
cat >"$out/broken/policy.yaml" <<'EOF'
- id: BROKEN-001
  title: A policy whose CEL does not parse
  severity: error
  rule: has(doc.metadata &&
- id: BROKEN-002
  title: A policy that fails while evaluating
  severity: warning
  rule: doc.metadata.title + 1 == 2
EOF
sarif broken "$out/broken" --no-default-packs --policy policy.yaml --as-of 2026-06-30 plans
sarif packs "$root" --as-of 2031-01-01 fixtures/plans

# Allowed findings of the validator, as "RULE/MESSAGE-ID": each with its reason.
#   SARIF2005/Warning_ProvideToolnformationUri: Cargo.toml has no `homepage` or `repository` yet;
#   the driver's informationUri is taken from them as soon as one is set.
allowed="SARIF2005/Warning_ProvideToolnformationUri"

status=0
for file in "$out"/*.sarif; do
  report="$out/$(basename "$file" .sarif).validation"
  "$multitool" validate --rule-kind "Gh;Sarif" --output "$report" "$file" >"$report.log" 2>&1 || {
    cat "$report.log" >&2
    echo "sarif-validate: the multitool failed on $(basename "$file")" >&2
    status=1
    continue
  }
  if ! node - "$report" "$allowed" "$(basename "$file")" <<'EOF'; then
const [report, allowed, name] = process.argv.slice(2);
const log = JSON.parse(require('fs').readFileSync(report, 'utf8'));
const ok = new Set(allowed.split(/\s+/).filter(Boolean));
let bad = 0;
for (const run of log.runs) {
  for (const r of run.results || []) {
    const level = r.level || 'warning';
    const key = `${r.ruleId}/${r.message.id}`;
    if ((level === 'error' || level === 'warning') && !ok.has(key)) {
      bad++;
      console.error(`${name}: ${level} ${key} ${JSON.stringify(r.message.arguments || [])}`);
    }
  }
}
process.exit(bad ? 1 : 0);
EOF
    status=1
  fi
done
if [ "$status" -eq 0 ]; then
  echo "sarif-validate: $(ls "$out"/*.sarif | wc -l) SARIF files pass sarif-multitool $tool_version (Gh;Sarif)"
fi
exit "$status"
