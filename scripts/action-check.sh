#!/usr/bin/env bash
# GitHub Action step: run bcpcheck with annotations, SARIF, step summary and outputs, failing as `fail-on` says.
# Inputs arrive as INPUT_* environment variables, never as text interpolated into this script.
set -euo pipefail
report="${RUNNER_TEMP:-/tmp}/bcpcheck-report.json"
args=()
[ -n "$INPUT_CONFIG" ] && args+=(--config "$INPUT_CONFIG")
[ -n "$INPUT_AS_OF" ] && args+=(--as-of "$INPUT_AS_OF")
read -r -a packs <<< "$(printf '%s' "$INPUT_PACKS" | tr '\n' ' ')"
for pack in "${packs[@]}"; do args+=(--pack "$pack"); done
read -r -a policies <<< "$(printf '%s' "$INPUT_POLICIES" | tr '\n' ' ')"
for policy in "${policies[@]}"; do args+=(--policy "$policy"); done
read -r -a paths <<< "$(printf '%s' "$INPUT_PATHS" | tr '\n' ' ')"
args+=(-- "${paths[@]}")
if [ "$INPUT_SUMMARY" != "true" ]; then
  unset GITHUB_STEP_SUMMARY
fi
check=(check --format github --fail-on "$INPUT_FAIL_ON" --report "json=$report")
[ -n "$INPUT_SARIF_FILE" ] && check+=(--report "sarif=$INPUT_SARIF_FILE")

set +e
"$BCPCHECK_BIN" "${check[@]}" "${args[@]}"
code=$?
set -e

# Upcoming obligations go to the step summary only; whatever `due` says, the step's result is the check's.
if [ -n "${INPUT_DUE_WITHIN:-}" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  if ! "$BCPCHECK_BIN" due --format markdown --within "$INPUT_DUE_WITHIN" "${args[@]}" >> "$GITHUB_STEP_SUMMARY"; then
    echo "::warning title=bcpcheck due::could not list the upcoming obligations (due-within); see the log"
  fi
fi

python=python3
python3 -c '' >/dev/null 2>&1 || python=python  # Windows runners have python, not python3
if [ -f "$report" ]; then
  "$python" - "$report" >> "$GITHUB_OUTPUT" <<'PY'
import json, sys
summary = json.load(open(sys.argv[1], encoding="utf-8"))["summary"]
for key in ("errors", "warnings", "waived"):
    print(f"{key}={summary.get(key, 0)}")
PY
else
  printf 'errors=0\nwarnings=0\nwaived=0\n' >> "$GITHUB_OUTPUT"
fi
if [ -n "$INPUT_SARIF_FILE" ] && [ -f "$INPUT_SARIF_FILE" ]; then
  echo "sarif-file=$INPUT_SARIF_FILE" >> "$GITHUB_OUTPUT"
fi
echo "exit-code=$code" >> "$GITHUB_OUTPUT"
exit "$code"
