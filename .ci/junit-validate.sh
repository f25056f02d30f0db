#!/usr/bin/env bash
# Validates bcpcheck's JUnit XML against the common JUnit schema CI systems read (Jenkins'
# junit-10.xsd, as shipped in pytest's source distribution), with the `xmlschema` validator from PyPI.
# Runs bcpcheck on failing fixtures: findings, waivers, a broken policy, hostile plan values.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

source .ci/reports.sh
tools=${JUNIT_TOOL_DIR:-$root/target/junit-validate}
python_tool "$tools" "xmlschema==3.4.3"
xsd=$tools/junit-10.xsd
if [ ! -s "$xsd" ]; then
  "$tools/venv/bin/pip" download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
    "pytest==8.3.4" -d "$tools"
  tar -xzf "$tools/pytest-8.3.4.tar.gz" -C "$tools" pytest-8.3.4/testing/example_scripts/junit-10.xsd
  mv "$tools/pytest-8.3.4/testing/example_scripts/junit-10.xsd" "$xsd"
fi

junit() { local name=$1; shift; report junit "$name.xml" "$@"; }

junit exceptions "$fixture" "${common[@]}" --exceptions exceptions.yaml plans
mkdir -p "$out/hostile/plans"
cat >"$out/hostile/plans/hostile.yaml" <<'EOF'
apiVersion: bcp/v1
kind: ContinuityPlan
metadata: {id: "<x>&amp;]]></failure>\u0001\uFFFE"}
processes:
  - {id: "P1\n<script>\"'", tier: 1}
EOF
cat >"$out/hostile/policy.yaml" <<'EOF'
- id: EVIL-001
  title: "<b>x</b> & \"y\""
  severity: error
  select: processes[*]
  rule: has(self.rto)
  messageExpression: "self.id + doc.metadata.id"
- id: BROKEN-001
  title: A policy that fails while evaluating
  severity: warning
  rule: doc.metadata.id + 1 == 2
EOF
junit hostile "$out/hostile" --no-default-packs --policy policy.yaml --as-of 2026-06-30 plans

"$tools/venv/bin/python" - "$xsd" "$out"/*.xml <<'EOF'
import sys
import xmlschema

schema = xmlschema.XMLSchema(sys.argv[1])
failed = 0
for path in sys.argv[2:]:
    errors = list(schema.iter_errors(path))
    for error in errors:
        print(f"{path}: {error.reason} at {error.path}", file=sys.stderr)
    failed += bool(errors)
print(f"junit-validate: {len(sys.argv) - 2 - failed} of {len(sys.argv) - 2} JUnit files valid against junit-10.xsd")
sys.exit(1 if failed else 0)
EOF
