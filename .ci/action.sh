#!/usr/bin/env bash
# Runs action.yml as a GitHub runner would (shared/tools/run-composite-action.py) and asserts the outputs, the
# annotations, the step summary, the SARIF file and the exit status, installing bcpcheck every way the action can:
# downloaded from a release directory (this machine's, built by scripts/dist.py and served on 127.0.0.1), from the
# tool cache, from PATH, and built from source when there is no archive; and refusing a tampered archive, a wrong
# `checksum` input and a download URL without TLS.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
runner="$(cd "$repo/.." && pwd)/shared/tools/run-composite-action.py"
work="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
python3 -c 'import yaml' 2>/dev/null || python3 -m pip install --quiet pyyaml
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/Cargo.toml" | head -n 1)"

fail() { echo "FAIL: $*"; exit 1; }
passed=0

# The release directory, as the release workflow lays it out, for this machine's target: archive + sha256.sum.
www="$work/www"
python3 "$repo/scripts/dist.py" local --out "$www/good" > /dev/null
archive="$(basename "$(ls "$www"/good/bcpcheck-*.tar.gz)")"
target="${archive#bcpcheck-}"; target="${target%.tar.gz}"
sha="$(cut -d' ' -f1 "$www/good/sha256.sum")"
# The layout the action and cargo-binstall expect, reproducibly: packing the same binary again gives the same bytes;
# Windows gets a zip holding bcpcheck.exe.
grep -qx "bcpcheck-$target/bcpcheck" <<< "$(tar -tzf "$www/good/$archive")" || fail "$archive lacks bcpcheck-$target/bcpcheck"
python3 "$repo/scripts/dist.py" archive --target "$target" --bin "$repo/target/release/bcpcheck" --out "$work/again" > /dev/null
cmp -s "$www/good/$archive" "$work/again/$archive" || fail "packing the same binary twice gave different archives"
python3 "$repo/scripts/dist.py" archive --target x86_64-pc-windows-msvc --bin "$repo/target/release/bcpcheck" --out "$work/win" > /dev/null
grep -q "^bcpcheck-x86_64-pc-windows-msvc/bcpcheck.exe " <<< "$(python3 -m zipfile -l "$work/win/bcpcheck-x86_64-pc-windows-msvc.zip")" \
  || fail "the Windows archive lacks bcpcheck-x86_64-pc-windows-msvc/bcpcheck.exe"
[ "$(wc -l < "$www/good/sha256.sum")" = 1 ] && grep -q "^[0-9a-f]\{64\}  $archive\$" "$www/good/sha256.sum" \
  || fail "sha256.sum is not one 'HASH  NAME' line: $(cat "$www/good/sha256.sum")"
echo "release layout: $archive (reproducible) and sha256.sum; the Windows zip holds bcpcheck.exe"
passed=$((passed + 1))

# A tampered release: the archive replaced by one whose "bcpcheck" would leave a mark if it ever ran; the published
# sha256.sum unchanged.
mkdir -p "$www/tampered" "$www/empty" "$work/evil"
cat > "$work/evil/bcpcheck" <<EOF
#!/bin/sh
touch "$work/evil-ran"
echo "bcpcheck $version"
EOF
chmod +x "$work/evil/bcpcheck"
python3 "$repo/scripts/dist.py" archive --target "$target" --bin "$work/evil/bcpcheck" --out "$www/tampered" > /dev/null
cp "$www/good/sha256.sum" "$www/tampered/"

# Releases that are consistent but wrong: an archive of another version (its own sha256.sum matches), a sha256.sum
# that does not list the archive, and no sha256.sum at all.
mkdir -p "$www/other-version" "$www/unlisted" "$www/no-sums" "$work/other"
printf '#!/bin/sh\necho "bcpcheck 9.9.9"\n' > "$work/other/bcpcheck"
chmod +x "$work/other/bcpcheck"
python3 "$repo/scripts/dist.py" archive --target "$target" --bin "$work/other/bcpcheck" --out "$www/other-version" > /dev/null
python3 "$repo/scripts/dist.py" checksums "$www/other-version" > /dev/null
cp "$www/good/$archive" "$www/unlisted/"
printf '%064d  bcpcheck-some-other-target.tar.gz\n' 0 > "$www/unlisted/sha256.sum"
cp "$www/good/$archive" "$www/no-sums/"

# Serve it on 127.0.0.1 (a free port), bounded in time, stopped on exit.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
timeout 600 python3 -m http.server "$port" --bind 127.0.0.1 --directory "$www" > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 50); do
  curl --silent --output /dev/null "http://127.0.0.1:$port/good/sha256.sum" && break
  sleep 0.1
done
curl --silent --fail --output /dev/null "http://127.0.0.1:$port/good/sha256.sum" || fail "the release server did not start"
url="http://127.0.0.1:$port"

make_workspace() {  # $1: directory, $2: "failing" or "clean"
  mkdir -p "$1/plans"
  cp "$repo/fixtures/plans/payments-plan.yaml" "$1/plans/payments.yaml"
  if [ "$2" = failing ]; then
    # A critical process without an RTO (error) and a dependency without an owner (error).
    sed -i 's/     rto: 8h, rpo: 4h/     rpo: 4h/' "$1/plans/payments.yaml"
  fi
}
make_workspace "$work/failing" failing
make_workspace "$work/clean" clean

# PATH without the release build and without cargo: the action has to download.
bare_path="$(echo "$PATH" | tr ':' '\n' | grep -v -e "$repo/target" -e cargo -e rustup | paste -sd:)"

run_action() {  # $1: workspace; more: --input NAME=VALUE
  local ws="$1"; shift
  local start=$SECONDS
  set +e
  python3 "$runner" "$repo" --workspace "$ws" "$@" > "$work/out.txt" 2> "$work/err.txt"
  echo $? > "$work/code.txt"
  set -e
  elapsed=$((SECONDS - start))
  tail -n 1 "$work/out.txt" > "$work/summary.json"
}

json() { python3 -c "import json,sys; d=json.load(open('$work/summary.json')); print(eval(sys.argv[1]))" "$1"; }
install_error() { grep -h '^::error title=bcpcheck install::' "$work/out.txt" "$work/err.txt" || true; }

# 1. Failing plans; bcpcheck downloaded from the release directory, verified by sha256.sum and the checksum input.
export RUNNER_TOOL_CACHE="$work/tool-cache"
PATH="$bare_path" run_action "$work/failing" --input paths=plans --input as-of=2026-11-28 --input sarif-file=out.sarif \
  --input "download-url=$url/good" --input "checksum=$sha" --input due-within=365d
[ "$(cat "$work/code.txt")" = 1 ] || { cat "$work/out.txt" "$work/err.txt"; fail "a failing plan must fail the step"; }
[ "$(json 'd["outputs"]["install-source"]')" = download ] || fail "install-source: $(json 'd["outputs"]')"
[ "$(json 'd["outputs"]["version"]')" = "$version" ] || fail "version output"
grep -q "GET /good/$archive HTTP/1.[01]\" 200" "$work/server.log" || fail "the archive was not downloaded from the local release"
grep -q "^Verified $archive: sha256 $sha" "$work/out.txt" || fail "no verification message"
[ "$(json 'd["conclusion"]')" = failure ] || fail "conclusion"
[ "$(json 'd["outputs"]["errors"]')" = 1 ] || fail "errors output: $(json 'd["outputs"]')"
[ "$(json 'd["outputs"]["exit-code"]')" = 1 ] || fail "exit-code output"
[ "$(json 'd["outputs"]["sarif-file"]')" = out.sarif ] || fail "sarif-file output"
grep -q '^::error file=plans/payments.yaml,line=[0-9]*,col=[0-9]*,endLine=[0-9]*,endColumn=[0-9]*,title=BCP-RTO-001::' "$work/out.txt" \
  || fail "no BCP-RTO-001 annotation"
python3 -c "import json; r=json.load(open('$work/failing/out.sarif'))['runs'][0]['results']; assert any(x['ruleId']=='BCP-RTO-001' for x in r)" \
  || fail "SARIF lacks the finding"
[ "$(json '"BCP-RTO-001" in d["step_summary"]')" = True ] || fail "step summary lacks the finding"
[ "$(json '"# What lapses next" in d["step_summary"]')" = True ] || fail "due-within: the step summary lacks the upcoming obligations"
[ -f "$RUNNER_TOOL_CACHE/bcpcheck/$version/$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/').complete" ] \
  || fail "the download was not put in the tool cache"
echo "download: fetched $archive from $url/good, verified, checked the failing plans (${elapsed}s)"
passed=$((passed + 1))

# 2. The tool cache: a later run needs no download (the URL would 404); summary=false writes no step summary.
PATH="$bare_path" run_action "$work/clean" --input paths=plans --input as-of=2026-11-28 --input summary=false \
  --input "download-url=$url/empty"
[ "$(cat "$work/code.txt")" = 0 ] || { cat "$work/out.txt" "$work/err.txt"; fail "a clean plan must pass"; }
[ "$(json 'd["outputs"]["install-source"]')" = tool-cache ] || fail "install-source: $(json 'd["outputs"]')"
[ "$(json 'd["outputs"]["errors"]')" = 0 ] || fail "errors output on the clean plan"
[ "$(json 'd["outputs"]["warnings"]')" = 0 ] || fail "warnings output on the clean plan"
[ "$(json 'd["step_summary"]')" = "" ] || fail "summary=false must not write a step summary"
grep -q '^::' "$work/out.txt" && fail "annotations on a clean plan"
echo "tool cache: reused, clean plan passes (${elapsed}s)"
passed=$((passed + 1))

# 3. A tampered archive fails the step before anything in it runs, and is not cached.
export RUNNER_TOOL_CACHE="$work/tool-cache-2"
PATH="$bare_path" run_action "$work/clean" --input paths=plans --input "download-url=$url/tampered"
[ "$(cat "$work/code.txt")" = 1 ] || fail "a tampered archive must fail the step"
install_error | grep -q "checksum mismatch for $archive: sha256.sum says $sha, the download is [0-9a-f]\{64\}" \
  || { cat "$work/out.txt" "$work/err.txt"; fail "no checksum mismatch error"; }
[ ! -e "$work/evil-ran" ] || fail "the tampered binary ran"
[ ! -e "$RUNNER_TOOL_CACHE/bcpcheck" ] || [ -z "$(ls -A "$RUNNER_TOOL_CACHE/bcpcheck/$version" 2>/dev/null)" ] \
  || fail "the tampered archive reached the tool cache"
[ "$(json 'd["steps"][1]["result"]')" = "skipped (earlier failure)" ] || fail "the check step ran after a failed install"
echo "tampered archive: refused ($(install_error | head -n 1 | cut -c1-90)...)"
passed=$((passed + 1))

# 4. A checksum input that does not match the (genuine) archive fails too; the URL comes from BCPCHECK_DOWNLOAD_URL.
BCPCHECK_DOWNLOAD_URL="$url/good" PATH="$bare_path" run_action "$work/clean" --input paths=plans \
  --input "checksum=$(printf '%064d' 0)"
[ "$(cat "$work/code.txt")" = 1 ] || fail "a wrong checksum input must fail the step"
install_error | grep -q "the checksum input says 0\{64\}, the download is $sha" || { cat "$work/out.txt"; fail "no checksum input error"; }
PATH="$bare_path" run_action "$work/clean" --input paths=plans --input checksum=abc --input "download-url=$url/good"
[ "$(cat "$work/code.txt")" = 1 ] && install_error | grep -q "must be a SHA-256 in hex" || fail "a malformed checksum input must fail"
echo "checksum input: a wrong or malformed one fails the step"
passed=$((passed + 1))

# 5. An archive of another version, a sha256.sum without the archive, and a release without sha256.sum fail too.
for case in "other-version:holds bcpcheck '9.9.9'" "unlisted:sha256.sum lists no checksum for $archive" \
  "no-sums:could not download $url/no-sums/sha256.sum (HTTP 404)"; do
  RUNNER_TOOL_CACHE="$work/tool-cache-${case%%:*}" PATH="$bare_path" \
    run_action "$work/clean" --input paths=plans --input "download-url=$url/${case%%:*}"
  [ "$(cat "$work/code.txt")" = 1 ] && install_error | grep -qF "${case#*:}" \
    || { cat "$work/out.txt"; fail "${case%%:*}: expected the step to fail with '${case#*:}'"; }
done
echo "release checks: another version's archive, an unlisted archive and a missing sha256.sum fail the step"
passed=$((passed + 1))

# 6. Plain http anywhere but this machine is refused, before any request.
PATH="$bare_path" run_action "$work/clean" --input paths=plans --input download-url=http://example.invalid/release
[ "$(cat "$work/code.txt")" = 1 ] && install_error | grep -q "must be an https:// URL" || fail "plain http must be refused"
echo "download-url: http:// off this machine refused"
passed=$((passed + 1))

# 7. A runner without release archives (here RUNNER_ARCH=S390X) and without cargo: a clear error, no download.
RUNNER_ARCH=S390X PATH="$bare_path" run_action "$work/clean" --input paths=plans --input "download-url=$url/good"
[ "$(cat "$work/code.txt")" = 1 ] \
  && install_error | grep -qF "no release archive is built for Linux/S390X, and cargo is not installed" \
  || { cat "$work/out.txt"; fail "an unsupported runner without cargo must fail clearly"; }
echo "unsupported runner without cargo: a clear error"
passed=$((passed + 1))

# 8. No archive for this version (404): the last resort builds from the action's source with cargo. Sharing the
# release build's target dir, nothing compiles again.
export RUNNER_TOOL_CACHE="$work/tool-cache-3"
CARGO_TARGET_DIR="$repo/target" PATH="$(echo "$PATH" | tr ':' '\n' | grep -v -e "$repo/target" | paste -sd:)" \
  run_action "$work/clean" --input paths=plans --input as-of=2026-11-28 --input "download-url=$url/empty"
[ "$(cat "$work/code.txt")" = 0 ] || { cat "$work/out.txt" "$work/err.txt"; fail "the source build must work"; }
[ "$(json 'd["outputs"]["install-source"]')" = cargo ] || fail "install-source: $(json 'd["outputs"]')"
grep -q "::warning title=bcpcheck install::no $archive in $url/empty (HTTP 404)" "$work/out.txt" || fail "no warning about the source build"
echo "no archive: built from source with cargo (${elapsed}s)"
passed=$((passed + 1))

# 9. bcpcheck of the action's version already on PATH is used as it is; fail-on=never passes despite errors.
PATH="$repo/target/release:$PATH" run_action "$work/clean" --input paths=plans --input as-of=2027-12-01 --input fail-on=never
[ "$(cat "$work/code.txt")" = 0 ] || fail "fail-on=never must pass"
[ "$(json 'd["outputs"]["install-source"]')" = path ] || fail "install-source: $(json 'd["outputs"]')"
[ "$(json 'int(d["outputs"]["errors"]) > 0')" = True ] || fail "an outdated plan has errors"
echo "PATH: used as it is; fail-on=never passes an outdated plan"
passed=$((passed + 1))

echo "action: $passed passed, 0 failed"
