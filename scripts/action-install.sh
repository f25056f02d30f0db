#!/usr/bin/env bash
# GitHub Action step: find or fetch the bcpcheck of the action's own version (Cargo.toml), in this order:
#   1. a `bcpcheck` on PATH that reports that version;
#   2. the runner's tool cache (RUNNER_TOOL_CACHE/bcpcheck/VERSION/ARCH, filled by an earlier download);
#   3. the release archive for RUNNER_OS/RUNNER_ARCH, checked against the release's sha256.sum (and the
#      `checksum` input when given) before anything in it runs: a mismatch fails the step;
#   4. `cargo install` from the action's source, only when no archive exists for this runner.
# Inputs arrive as environment variables: INPUT_DOWNLOAD_URL (else BCPCHECK_DOWNLOAD_URL) replaces the release
# directory URL, INPUT_CHECKSUM is the archive's expected SHA-256. Outputs: bin, version, source.
set -euo pipefail

die() { echo "::error title=bcpcheck install::$*"; exit 1; }
# Git Bash on Windows: the runner hands out C:\... paths; bash's tools want /c/... ones.
unix_path() { if command -v cygpath >/dev/null 2>&1; then cygpath -u "$1"; else printf '%s' "$1"; fi; }
temp="$(unix_path "${RUNNER_TEMP:-/tmp}")"
manifest="$GITHUB_ACTION_PATH/Cargo.toml"
# The first `key = "..."` of Cargo.toml is the [package] table's: no TOML parser needed for these two keys.
field() { sed -n "s/^$1 = \"\(.*\)\"\$/\1/p" "$manifest" | head -n 1; }
want="$(field version)"
repository="$(field repository)"
[ -n "$want" ] || die "no version in $manifest"
exe=bcpcheck
[ "${RUNNER_OS:-}" = Windows ] && exe=bcpcheck.exe

finish() {  # $1: path of the binary, $2: where it came from
  echo "Using $1 (bcpcheck $want, from $2)"
  {
    echo "bin=$1"
    echo "version=$want"
    echo "source=$2"
  } >> "$GITHUB_OUTPUT"
  # Later steps of the job can run `bcpcheck` too (GitHub wants a Windows path on Windows).
  if [ -n "${GITHUB_PATH:-}" ]; then
    if command -v cygpath >/dev/null 2>&1; then cygpath -w "$(dirname "$1")"; else dirname "$1"; fi >> "$GITHUB_PATH"
  fi
  exit 0
}

version_of() { { "$1" --version 2>/dev/null || true; } | cut -d' ' -f2; }  # empty when it does not run

# 1. PATH.
if command -v bcpcheck >/dev/null 2>&1 && [ "$(version_of bcpcheck)" = "$want" ]; then
  finish "$(command -v bcpcheck)" path
fi

# The release target of this runner; empty when no archive is built for it.
arch="${RUNNER_ARCH:-}"
if [ -z "$arch" ]; then
  case "$(uname -m)" in
    x86_64 | amd64) arch=X64 ;;
    aarch64 | arm64) arch=ARM64 ;;
    *) arch="$(uname -m)" ;;
  esac
fi
libc=gnu
if [ "${RUNNER_OS:-}" = Linux ] && ldd --version 2>&1 | grep -qi musl; then
  libc=musl  # Alpine and other musl systems get the static build
fi
case "${RUNNER_OS:-}/$arch" in
  Linux/X64) target="x86_64-unknown-linux-$libc" ;;
  Linux/ARM64) target="aarch64-unknown-linux-$libc" ;;
  macOS/X64) target=x86_64-apple-darwin ;;
  macOS/ARM64) target=aarch64-apple-darwin ;;
  Windows/X64) target=x86_64-pc-windows-msvc ;;
  *) target="" ;;
esac
checksum="$(printf '%s' "${INPUT_CHECKSUM:-}" | tr 'A-F' 'a-f' | tr -d '[:space:]')"
if [ -n "$checksum" ] && ! [[ "$checksum" =~ ^[0-9a-f]{64}$ ]]; then
  die "the checksum input must be a SHA-256 in hex (64 characters), got '${INPUT_CHECKSUM:-}'"
fi

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

# 2. The tool cache (@actions/tool-cache's layout: TOOL/VERSION/ARCH plus an ARCH.complete marker).
arch_dir="$(printf '%s' "$arch" | tr '[:upper:]' '[:lower:]')"
if [ -n "${RUNNER_TOOL_CACHE:-}" ]; then cache="$(unix_path "$RUNNER_TOOL_CACHE")"; else cache="$temp/tool-cache"; fi
cache="$cache/bcpcheck/$want"
dir="$cache/$arch_dir"
if [ -n "$target" ] && [ -f "$dir.complete" ] && [ -x "$dir/$exe" ]; then
  # A pinned checksum must match the archive the cached binary came from; else download again.
  if [ -z "$checksum" ] || [ "$(cat "$dir/archive.sha256" 2>/dev/null)" = "$checksum" ]; then
    [ "$(version_of "$dir/$exe")" = "$want" ] && finish "$dir/$exe" tool-cache
  fi
fi

# 4. No archive for this runner: build from the action's source.
build_from_source() {  # $1: why
  echo "::warning title=bcpcheck install::$1: building bcpcheck $want from source with cargo (a few minutes)"
  command -v cargo >/dev/null 2>&1 || die "$1, and cargo is not installed to build it from source"
  local root="$temp/bcpcheck-$want"
  if [ ! -x "$root/bin/$exe" ]; then
    cargo install --locked --quiet --path "$GITHUB_ACTION_PATH" --root "$root"
  fi
  finish "$root/bin/$exe" cargo
}
[ -n "$target" ] || build_from_source "no release archive is built for ${RUNNER_OS:-this OS}/$arch"

# 3. Download.
base="${INPUT_DOWNLOAD_URL:-${BCPCHECK_DOWNLOAD_URL:-}}"
if [ -z "$base" ]; then
  [ -n "$repository" ] || die "Cargo.toml has no repository to download from; set the download-url input"
  base="$repository/releases/download/v$want"
fi
base="${base%/}"
# TLS everywhere, except a release directory served on this machine (how CI tests the action).
case "$base" in
  https://*) ;;
  http://127.0.0.1[:/]* | http://localhost[:/]* | "http://[::1]"[:/]*) ;;
  *) die "download-url must be an https:// URL (or http:// on 127.0.0.1 or localhost), got '$base'" ;;
esac
command -v curl >/dev/null 2>&1 || die "curl is needed to download bcpcheck"
case "$target" in
  *windows*) archive="bcpcheck-$target.zip" ;;
  *) archive="bcpcheck-$target.tar.gz" ;;
esac
tmp="$(mktemp -d "$temp/bcpcheck-download.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

fetch() {  # $1: file name in the release directory; prints the HTTP status (000 when unreachable)
  curl --silent --show-error --location --proto '=https,http' --proto-redir '=https' --retry 3 \
    --connect-timeout 20 --max-time 300 --output "$tmp/$1" --write-out '%{http_code}' "$base/$1" || true
}

status="$(fetch "$archive")"
case "$status" in
  200) ;;
  404) build_from_source "no $archive in $base (HTTP 404)" ;;
  *) die "could not download $base/$archive (HTTP $status)" ;;
esac
status="$(fetch sha256.sum)"
[ "$status" = 200 ] || die "could not download $base/sha256.sum (HTTP $status): refusing an archive that cannot be verified"

actual="$(sha256_of "$tmp/$archive")"
expected="$(awk -v name="$archive" '$2 == name || $2 == "*" name { print $1; exit }' "$tmp/sha256.sum" | tr 'A-F' 'a-f')"
[ -n "$expected" ] || die "$base/sha256.sum lists no checksum for $archive: refusing it"
if [ "$actual" != "$expected" ]; then
  die "checksum mismatch for $archive: sha256.sum says $expected, the download is $actual. Not installing it; the download or the release was tampered with or corrupted"
fi
if [ -n "$checksum" ] && [ "$actual" != "$checksum" ]; then
  die "checksum mismatch for $archive: the checksum input says $checksum, the download is $actual. Not installing it"
fi
echo "Verified $archive: sha256 $actual"

mkdir "$tmp/unpacked"
case "$archive" in
  *.zip)
    if command -v unzip >/dev/null 2>&1; then
      unzip -q "$tmp/$archive" -d "$tmp/unpacked"
    elif command -v 7z >/dev/null 2>&1; then
      7z x -y -bd -o"$tmp/unpacked" "$tmp/$archive" >/dev/null
    else
      powershell -NoProfile -Command "Expand-Archive -LiteralPath '$tmp/$archive' -DestinationPath '$tmp/unpacked'"
    fi
    ;;
  *) tar -xzf "$tmp/$archive" -C "$tmp/unpacked" ;;
esac
unpacked="$tmp/unpacked/bcpcheck-$target"
[ -f "$unpacked/$exe" ] || die "$archive holds no bcpcheck-$target/$exe"
chmod +x "$unpacked/$exe"
got="$(version_of "$unpacked/$exe")"
[ "$got" = "$want" ] || die "$archive holds bcpcheck '$got' (empty: it does not run here), the action is version $want"

echo "$actual" > "$unpacked/archive.sha256"
mkdir -p "$cache"
rm -rf "$dir" "$dir.complete"
mv "$unpacked" "$dir"
touch "$dir.complete"
finish "$dir/$exe" download
