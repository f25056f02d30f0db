#!/usr/bin/env bash
# The PyPI wheel, as users get it: maturin builds it for this machine from python/pyproject.toml (reusing the release
# build: same target dir, same profile), then it is installed into fresh environments without the index (pip,
# `uv tool install` and `pipx install`, as users run them) and must check the example plans: the clean ones pass,
# a broken one fails.
# Leaves the wheel in target/wheelhouse/ for .ci/pre-commit.sh.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tools="$repo/target/ci-tools/venv"
[ -x "$tools/bin/python" ] || python3 -m venv "$tools"
"$tools/bin/pip" install --quiet maturin uv pipx
wheelhouse="$repo/target/wheelhouse"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/Cargo.toml" | head -n 1)"
fail() { echo "FAIL: $*"; exit 1; }

rm -f "$wheelhouse"/bcpcheck-*.whl
start=$(date +%s)
# The target dir and release profile of `cargo build --release --locked`, no extra flags: nothing compiles again.
(cd "$repo/python" && CARGO_TARGET_DIR="$repo/target" "$tools/bin/maturin" build --release --locked --quiet --out "$wheelhouse")
wheel="$(ls "$wheelhouse"/bcpcheck-"$version"-*.whl 2>/dev/null | head -n 1)"
[ -n "$wheel" ] || fail "maturin built no bcpcheck-$version wheel in $wheelhouse"
echo "built $(basename "$wheel") in $(( $(date +%s) - start ))s"
python3 "$repo/scripts/check-versions.py" --wheel "$wheel"
case "$(basename "$wheel")" in
  *-py3-none-*) ;;
  *) fail "the wheel must be py3-none-PLATFORM (a binary, no Python ABI): $(basename "$wheel")" ;;
esac
python3 - "$wheel" <<'PY' || fail "the wheel does not hold the bcpcheck executable as a script"
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
assert any(n.endswith(".data/scripts/bcpcheck") for n in names), names
PY

# Plans: the complete example passes as of 2026-11-28; without its RTO the critical process is an error.
mkdir -p "$work/plans"
cp "$repo/fixtures/plans/payments-plan.yaml" "$work/plans/passing.yaml"
sed 's/     rto: 8h, rpo: 4h/     rpo: 4h/' "$repo/fixtures/plans/payments-plan.yaml" > "$work/failing.yaml"

check_plans() {  # $1: the installed bcpcheck, $2: how it was installed
  local bin="$1" code
  [ "$("$bin" --version)" = "bcpcheck $version" ] || fail "$2: --version says '$("$bin" --version)'"
  "$bin" check --as-of 2026-11-28 "$repo/fixtures/plans/" > "$work/out.txt" 2>&1 \
    || { cat "$work/out.txt"; fail "$2: the example plans must pass"; }
  set +e
  "$bin" check --as-of 2026-11-28 "$work/failing.yaml" > "$work/out.txt" 2>&1
  code=$?
  set -e
  [ "$code" = 1 ] || { cat "$work/out.txt"; fail "$2: a plan without an RTO must exit 1, got $code"; }
  grep -q BCP-RTO-001 "$work/out.txt" || fail "$2: BCP-RTO-001 not reported"
  echo "$2: bcpcheck $version checks the example plans (pass) and a broken plan (BCP-RTO-001, exit 1)"
}

# pip, from the wheelhouse only.
python3 -m venv "$work/venv"
PIP_NO_INDEX=1 "$work/venv/bin/pip" install --quiet --disable-pip-version-check --find-links "$wheelhouse" "bcpcheck==$version"
check_plans "$work/venv/bin/bcpcheck" "pip install (offline)"

# uv tool install, offline, into a scratch tool directory (what `uv tool install bcpcheck` does from PyPI).
UV_PYTHON_DOWNLOADS=never UV_TOOL_DIR="$work/uv-tools" UV_TOOL_BIN_DIR="$work/uv-bin" UV_CACHE_DIR="$work/uv-cache" \
  "$tools/bin/uv" tool install --quiet --offline --no-index --find-links "$wheelhouse" "bcpcheck==$version"
check_plans "$work/uv-bin/bcpcheck" "uv tool install (offline)"
# pipx install, offline (pipx installs through uv when it finds it, else pip: both told to use the wheelhouse only).
PIPX_HOME="$work/pipx" PIPX_BIN_DIR="$work/pipx-bin" PIPX_MAN_DIR="$work/pipx-man" \
  PIP_NO_INDEX=1 PIP_FIND_LINKS="$wheelhouse" UV_OFFLINE=1 UV_NO_INDEX=1 UV_FIND_LINKS="$wheelhouse" \
  UV_PYTHON_DOWNLOADS=never "$tools/bin/pipx" install --quiet "bcpcheck==$version"
check_plans "$work/pipx-bin/bcpcheck" "pipx install (offline)"
echo "wheel: 3 passed, 0 failed"
