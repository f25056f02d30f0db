#!/usr/bin/env bash
# Runs the real pre-commit client against this repository's hooks (`pre-commit try-repo`) in a scratch git repository
# holding a failing and a passing plan, and asserts the verdicts and the message, for each kind of hook:
# - bcpcheck (language python): pre-commit installs setup.py, which pulls the bcpcheck wheel of Cargo.toml's version,
#   here from a local wheelhouse with the index switched off (PIP_NO_INDEX, PIP_FIND_LINKS), as PyPI would serve it;
# - bcpcheck-system (language system): the bcpcheck on PATH (the release build);
# - bcpcheck-src (language rust): built from source by cargo, sharing the release build's target dir.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/Cargo.toml" | head -n 1)"
fail() { echo "FAIL: $*"; exit 1; }

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet pre-commit
export PATH="$work/venv/bin:$PATH"
# try-repo installs every hook into a store of its own, so each run below really installs the hook.

# The wheelhouse: the wheel .ci/wheel.sh built (built here when run alone), plus setuptools, which pip needs to build
# the setup.py placeholder. Fetched now, while the index is allowed; the hook installs below run without it.
wheelhouse="$repo/target/wheelhouse"
ls "$wheelhouse"/bcpcheck-"$version"-*.whl >/dev/null 2>&1 || bash "$repo/.ci/wheel.sh" >/dev/null
"$work/venv/bin/pip" download --quiet --dest "$wheelhouse" setuptools wheel

# Every hook definition, the source hook's too, against pre-commit's own manifest schema.
"$work/venv/bin/pre-commit" validate-manifest "$repo/.pre-commit-hooks.yaml"

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

# The plans are dated: check them as of a day on which the complete example is clean.
export BCPCHECK_AS_OF=2026-11-28
passed=0

run_hook() {  # $1: hook id; more: files. Sets $out and $code.
  local hook="$1"; shift
  set +e
  out="$(pre-commit try-repo "$repo" "$hook" --verbose --files "$@" 2>&1)"
  code=$?
  set -e
}

check_hook() {  # $1: hook id, $2: what it is, $3: "once" to skip the passing-only run
  local start=$SECONDS
  if [ "${3:-}" != once ]; then
    run_hook "$1" plans/passing.yaml README.md
    [ "$code" -eq 0 ] || { echo "$out" | tail -n 20; fail "$1: the passing plan failed the hook"; }
    echo "$out" | grep -q "0 errors, 0 warnings, 0 info in 1 file" || { echo "$out" | tail -n 20; fail "$1: expected exactly one plan checked"; }
  fi
  run_hook "$1" plans/failing.yaml plans/passing.yaml README.md
  [ "$code" -ne 0 ] || fail "$1: the failing plan passed the hook"
  echo "$out" | grep -q "BCP-RTO-001" || fail "$1: BCP-RTO-001 not reported"
  echo "$out" | grep -q "plans/failing.yaml" || fail "$1: the failing file is not named"
  if [ "${3:-}" = once ]; then
    echo "$1 ($2): fails the failing plan with BCP-RTO-001 ($((SECONDS - start))s)"
  else
    echo "$1 ($2): passes the passing plan, fails the failing one with BCP-RTO-001 ($((SECONDS - start))s)"
  fi
  passed=$((passed + 1))
}

# The default hook, through the wheel only: no index, no cargo, no compiler on PATH for it to fall back on.
PIP_NO_INDEX=1 PIP_FIND_LINKS="$wheelhouse" PIP_DISABLE_PIP_VERSION_CHECK=1 \
  PATH="$(echo "$PATH" | tr ':' '\n' | grep -v -e cargo -e rustup | paste -sd:)" \
  check_hook bcpcheck "language python, the wheel from the local wheelhouse"
# And the wheel is what it installed: with a wheelhouse holding only setuptools, the same hook cannot install.
mkdir -p "$work/no-wheel"
cp "$wheelhouse"/setuptools-*.whl "$wheelhouse"/wheel-*.whl "$work/no-wheel/"
PIP_NO_INDEX=1 PIP_FIND_LINKS="$work/no-wheel" run_hook bcpcheck plans/passing.yaml
[ "$code" -ne 0 ] || fail "the python hook installed without the bcpcheck wheel"
echo "$out" | grep -q "bcpcheck==$version" || { echo "$out" | tail -n 20; fail "the failed install does not name bcpcheck==$version"; }
echo "bcpcheck (language python): without the wheel in the wheelhouse, installing the hook fails on bcpcheck==$version"
passed=$((passed + 1))

PATH="$repo/target/release:$PATH" check_hook bcpcheck-system "language system, bcpcheck on PATH"

# pre-commit runs `cargo install --path` on its clone: sharing the release build's target dir, the dependencies are
# not compiled again, but bcpcheck itself is, for every try-repo clone: so one run, on both plans.
# cargo install also leaves its build at target/release/bcpcheck: keep the release build's binary for later steps.
# It costs a release build of bcpcheck (about 3 minutes on 2 cores): run it when BCPCHECK_CI_SOURCE_HOOK=1 (the
# hook definition itself is validated above with the others); CI keeps to its 15-minute budget without it.
if [ "${BCPCHECK_CI_SOURCE_HOOK:-0}" = 1 ]; then
  cp -p "$repo/target/release/bcpcheck" "$work/release-bcpcheck"
  CARGO_TARGET_DIR="$repo/target" check_hook bcpcheck-src "language rust, built from source" once
  rm -f "$repo/target/release/bcpcheck" && cp -p "$work/release-bcpcheck" "$repo/target/release/bcpcheck"
else
  echo "bcpcheck-src (language rust): skipped; BCPCHECK_CI_SOURCE_HOOK=1 runs it (a release build from source)"
fi

echo "pre-commit: $passed passed, 0 failed"
