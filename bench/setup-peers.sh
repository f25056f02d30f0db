#!/usr/bin/env bash
# Install the peer engines of the benchmark under bench/out/ (ignored by git). Needs python3 (3.11+), node/npm and
# cargo; reaches only PyPI, npm and crates.io. Idempotent: re-running skips what is already there.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p out

# cel-python and OPA (in-process, Go c-shared library) in one virtualenv.
if [ ! -x out/venv/bin/python ]; then python3 -m venv out/venv; fi
out/venv/bin/pip install -q cel-python==0.5.0 pyyaml==6.0.3
# opa-golib-python-bindings 0.4.4 declares Requires-Python >=3.14, so pip refuses it on the 3.11 here. Its wheel is
# py3-none-manylinux_2_34 (a stdlib ctypes wrapper around libopabridge.so) and works on 3.11: install it anyway.
out/venv/bin/pip install -q --no-deps --ignore-requires-python opa-golib-python-bindings==0.4.4
out/venv/bin/python -c "from opa_bindings import OpaEngine; import celpy" >/dev/null

# Spectral CLI, in a local node_modules.
if [ ! -x out/spectral/node_modules/.bin/spectral ]; then
  npm install --prefix out/spectral --no-audit --no-fund --loglevel=error @stoplight/spectral-cli@6.16.3
fi

# regorus driver (standalone crate with its own [workspace]).
CARGO_TARGET_DIR="$PWD/out/regorus-target" cargo build --release --quiet --manifest-path peers/regorus/Cargo.toml

echo "peers installed under bench/out: cel-python, OPA (opa-golib-python-bindings), Spectral, regorus"
