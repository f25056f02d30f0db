#!/usr/bin/env bash
# Runs action.yml as a GitHub runner would (shared/tools/run-composite-action.py) on a failing and a clean
# workspace, and asserts the outputs, the annotations, the step summary, the SARIF file and the exit status.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
runner="$(cd "$repo/.." && pwd)/shared/tools/run-composite-action.py"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -c 'import yaml' 2>/dev/null || python3 -m pip install --quiet pyyaml
# The install step may build from source: share the release build instead of compiling again.
export CARGO_TARGET_DIR="$repo/target"

fail() { echo "FAIL: $*"; exit 1; }
passed=0

make_workspace() {  # $1: directory, $2: "failing" or "clean"
  mkdir -p "$1/plans"
  cp "$repo/fixtures/plans/payments-plan.yaml" "$1/plans/payments.yaml"
  if [ "$2" = failing ]; then
    # A critical process without an RTO (error) and a dependency without an owner (error).
    sed -i 's/     rto: 8h, rpo: 4h/     rpo: 4h/' "$1/plans/payments.yaml"
  fi
}

run_action() {  # $1: workspace; more: --input NAME=VALUE
  local ws="$1"; shift
  set +e
  python3 "$runner" "$repo" --workspace "$ws" "$@" > "$work/out.txt" 2> "$work/err.txt"
  echo $? > "$work/code.txt"
  set -e
  tail -n 1 "$work/out.txt" > "$work/summary.json"
}

json() { python3 -c "import json,sys; d=json.load(open('$work/summary.json')); print(eval(sys.argv[1]))" "$1"; }

# 1. Failing plans, bcpcheck built from the action's source (not on PATH).
make_workspace "$work/failing" failing
PATH="$(echo "$PATH" | tr ':' '\n' | grep -v "$repo/target/release" | paste -sd:)" \
  run_action "$work/failing" --input paths=plans --input as-of=2026-11-28 --input sarif-file=out.sarif
[ "$(cat "$work/code.txt")" = 1 ] || { cat "$work/err.txt"; fail "a failing plan must fail the step"; }
[ "$(json 'd["conclusion"]')" = failure ] || fail "conclusion"
[ "$(json 'd["outputs"]["errors"]')" = 1 ] || fail "errors output: $(json 'd["outputs"]')"
[ "$(json 'd["outputs"]["exit-code"]')" = 1 ] || fail "exit-code output"
[ "$(json 'd["outputs"]["sarif-file"]')" = out.sarif ] || fail "sarif-file output"
grep -q '^::error file=plans/payments.yaml,line=[0-9]*,col=[0-9]*,endLine=[0-9]*,endColumn=[0-9]*,title=BCP-RTO-001::' "$work/out.txt" \
  || fail "no BCP-RTO-001 annotation"
python3 -c "import json; r=json.load(open('$work/failing/out.sarif'))['runs'][0]['results']; assert any(x['ruleId']=='BCP-RTO-001' for x in r)" \
  || fail "SARIF lacks the finding"
[ "$(json '"BCP-RTO-001" in d["step_summary"]')" = True ] || fail "step summary lacks the finding"
passed=$((passed + 1))

# 2. A clean plan with bcpcheck already on PATH; the step passes; no summary when summary=false.
make_workspace "$work/clean" clean
PATH="$repo/target/release:$PATH" run_action "$work/clean" --input paths=plans --input as-of=2026-11-28 --input summary=false
[ "$(cat "$work/code.txt")" = 0 ] || { cat "$work/out.txt" "$work/err.txt"; fail "a clean plan must pass"; }
[ "$(json 'd["outputs"]["errors"]')" = 0 ] || fail "errors output on the clean plan"
[ "$(json 'd["outputs"]["warnings"]')" = 0 ] || fail "warnings output on the clean plan"
[ "$(json 'd["step_summary"]')" = "" ] || fail "summary=false must not write a step summary"
grep -q '^::' "$work/out.txt" && fail "annotations on a clean plan"
passed=$((passed + 1))

# 3. fail-on: warning findings fail the step only when asked.
PATH="$repo/target/release:$PATH" run_action "$work/clean" --input paths=plans --input as-of=2027-12-01 --input fail-on=never
[ "$(cat "$work/code.txt")" = 0 ] || fail "fail-on=never must pass"
[ "$(json 'int(d["outputs"]["errors"]) > 0')" = True ] || fail "an outdated plan has errors"
passed=$((passed + 1))

echo "action: $passed passed, 0 failed"
