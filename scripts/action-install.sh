#!/usr/bin/env bash
# GitHub Action step: use the bcpcheck on PATH when it is the action's version, else build it from the action's source.
set -euo pipefail
want="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$GITHUB_ACTION_PATH/Cargo.toml" | head -n 1)"
if command -v bcpcheck >/dev/null 2>&1 && [ "$(bcpcheck --version | cut -d' ' -f2)" = "$want" ]; then
  bin="$(command -v bcpcheck)"
  echo "Using $bin (bcpcheck $want)"
else
  root="${RUNNER_TEMP:-/tmp}/bcpcheck-$want"
  if [ ! -x "$root/bin/bcpcheck" ]; then
    cargo install --locked --quiet --path "$GITHUB_ACTION_PATH" --root "$root"
  fi
  bin="$root/bin/bcpcheck"
fi
echo "bin=$bin" >> "$GITHUB_OUTPUT"
