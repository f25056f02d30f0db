#!/usr/bin/env bash
# The cel-spec conformance tests through bcpcheck's policy path (tests/it/cel_conformance.rs): installs
# the pinned npm package @bufbuild/cel-spec under target/, extracts the in-scope simple tests to
# JSON, and runs the runner, which prints pass/fail per suite and fails on any result that
# tests/conformance/known-failures.txt does not expect.
set -euo pipefail
cd "$(dirname "$0")/.."
version=0.6.1
dir="$PWD/target/cel-spec"
if [ ! -f "$dir/node_modules/@bufbuild/cel-spec/package.json" ] ||
   ! grep -q "\"version\": \"$version\"" "$dir/node_modules/@bufbuild/cel-spec/package.json"; then
    mkdir -p "$dir"
    npm install --silent --no-audit --no-fund --prefix "$dir" "@bufbuild/cel-spec@$version" >/dev/null
fi
node tests/conformance/extract.cjs "$dir/node_modules" "$dir/simple-tests.json"
CEL_CONFORMANCE_TESTS="$dir/simple-tests.json" cargo test --test it cel_conformance -- --nocapture
