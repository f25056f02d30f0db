#!/usr/bin/env bash
# Runs the real pre-commit client against this repository's hooks in a scratch git repository holding a failing
# and a passing plan, and asserts the verdicts and the message.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet pre-commit
export PATH="$work/venv/bin:$PATH"
export PRE_COMMIT_HOME="${PRE_COMMIT_HOME:-$repo/target/pre-commit-home}"
# pre-commit builds the hook with `cargo install`; sharing the release build saves compiling every dependency again.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"

scratch="$work/scratch"
mkdir -p "$scratch/plans"
cd "$scratch"
git init --quiet
git config user.email ci@example.invalid
git config user.name CI
cp "$repo/fixtures/plans/payments-plan.yaml" plans/passing.yaml
# The failing plan: a critical process without an RTO.
sed 's/     rto: 8h, rpo: 4h/     rpo: 4h/' "$repo/fixtures/plans/payments-plan.yaml" > plans/failing.yaml
printf '# not a plan\n' > README.md
printf 'plans: ["plans/*.yaml"]\n' > bcpcheck.yaml
git add -A

run_hook() {
  pre-commit try-repo "$repo" bcpcheck --verbose --files "$@" 2>&1
}

# The plans are dated: check them as of a day on which the complete example is clean.
export BCPCHECK_AS_OF=2026-11-28

set +e
out="$(run_hook plans/passing.yaml README.md)"
code=$?
set -e
echo "$out" | tail -n 5
[ "$code" -eq 0 ] || { echo "FAIL: the passing plan failed the hook"; exit 1; }
echo "$out" | grep -q "0 errors, 0 warnings, 0 info in 1 file" || { echo "FAIL: expected exactly one plan checked"; exit 1; }

set +e
out="$(run_hook plans/failing.yaml plans/passing.yaml README.md)"
code=$?
set -e
echo "$out" | grep -E "BCP-RTO-001|errors" | head -n 5
[ "$code" -ne 0 ] || { echo "FAIL: the failing plan passed the hook"; exit 1; }
echo "$out" | grep -q "BCP-RTO-001" || { echo "FAIL: BCP-RTO-001 not reported"; exit 1; }
echo "$out" | grep -q "plans/failing.yaml" || { echo "FAIL: the failing file is not named"; exit 1; }
echo "pre-commit: 2 passed, 0 failed"
