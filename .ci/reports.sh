# Sourced by the report validators (sarif-validate.sh, junit-validate.sh, ics-validate.sh): the debug
# bcpcheck, a scratch directory removed on exit, the report fixtures, a runner that writes one report,
# and the Python validators' virtual environments.

# python_tool DIR REQUIREMENT: a venv in DIR holding REQUIREMENT (made once, kept under target/).
python_tool() {
  if [ ! -x "$1/venv/bin/python" ]; then
    python3 -m venv "$1/venv"
    "$1/venv/bin/pip" install --quiet --disable-pip-version-check "$2"
  fi
}

cargo build --quiet
bcpcheck=${CARGO_TARGET_DIR:-$root/target}/debug/bcpcheck
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fixture=$root/tests/fixtures/reports
common=(--no-default-packs --policy policies --as-of 2026-06-30)

# report FORMAT FILE DIR ARGS...: runs `bcpcheck check` in DIR, writing FORMAT to $out/FILE (exit
# codes 1 and 2 are expected: the fixtures fail), and checks the file was written.
report() {
  local format=$1 file=$2 dir=$3
  shift 3
  (cd "$dir" && "$bcpcheck" check --format "$format" --output "$out/$file" "$@" 2>/dev/null) || true
  test -s "$out/$file" || { echo "$(basename "$0"): bcpcheck wrote no $file" >&2; exit 1; }
}
