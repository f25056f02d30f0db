#!/usr/bin/env bash
# Every pinned bcpcheck version (Cargo.lock, the wheel, the pre-commit hooks' setup.py, the action, the README's
# examples) equals Cargo.toml's; the release workflow runs the same check against its tag and the built wheels.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 scripts/check-versions.py "$@"

# The check catches drift: a copy of the pinned files with a stale hook pin and README rev, and a wrong tag, fails.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for f in Cargo.toml Cargo.lock python/pyproject.toml setup.py README.md action.yml scripts/action-install.sh \
  scripts/check-versions.py .pre-commit-hooks.yaml; do
  mkdir -p "$work/$(dirname "$f")"
  cp "$f" "$work/$f"
done
sed -i 's/bcpcheck==[0-9.]*/bcpcheck==9.9.9/' "$work/setup.py"
sed -i '0,/rev: v[0-9.]*/s//rev: v9.9.8/' "$work/README.md"
set +e
out="$(python3 "$work/scripts/check-versions.py" --tag v9.9.7)"
code=$?
set -e
[ "$code" = 1 ] || { echo "$out"; echo "FAIL: stale pins passed the version check"; exit 1; }
for stale in "setup.py bcpcheck==: 9.9.9" "README.md (rev: v...): 9.9.8" "tag v9.9.7: 9.9.7"; do
  grep -qF "$stale" <<< "$out" || { echo "$out"; echo "FAIL: the version check did not report '$stale'"; exit 1; }
done
echo "versions: stale pins (setup.py, README rev, tag) are reported"
