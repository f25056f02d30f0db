#!/usr/bin/env bash
# Opens the HTML evidence report in a real browser (headless Chromium from Debian's packages): the page
# renders, shows the findings and the Upcoming timeline (well-formed SVG), runs no script planted in a plan, and
# prints to PDF.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
bcpcheck=${CARGO_TARGET_DIR:-$root/target}/release/bcpcheck
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/plans"
cp fixtures/plans/payments-plan.yaml "$work/plans/payments.yaml"
# A hostile plan: a reference whose text tries to run script; the finding's message quotes it.
sed -e 's/alternates: \[PER-LM\]/alternates: ["<script>document.title=\x27pwned\x27<\/script><img src=x onerror=document.title=\x27pwned\x27>"]/' \
    -e 's/     rto: 8h, rpo: 4h/     rpo: 4h/' fixtures/plans/payments-plan.yaml > "$work/plans/hostile.yaml"
(cd "$work" && "$bcpcheck" check --as-of 2026-11-28 --format html --output report.html plans) || true
test -s "$work/report.html"

chrome=(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
        --disable-component-update --disable-sync --user-data-dir="$work/profile")
"${chrome[@]}" --dump-dom "file://$work/report.html" > "$work/dom.html" 2>/dev/null
"${chrome[@]}" --screenshot="$work/report.png" --window-size=1200,1600 "file://$work/report.html" >/dev/null 2>&1
"${chrome[@]}" --print-to-pdf="$work/report.pdf" "file://$work/report.html" >/dev/null 2>&1

fail() { echo "FAIL: $*"; exit 1; }
grep -q "BCP-RTO-001" "$work/dom.html" || fail "the rendered report lacks the failing policy"
grep -q "payments.yaml" "$work/dom.html" || fail "the rendered report lacks the clean plan"
grep -qi "<title>pwned" "$work/dom.html" && fail "a script from a plan ran in the report"
grep -qi "<script" "$work/dom.html" && fail "the rendered DOM holds a script element"
grep -q "&lt;script&gt;" "$work/dom.html" || fail "the hostile value is not shown as text"
grep -q '<svg class="timeline"' "$work/dom.html" || fail "the rendered report lacks the Upcoming timeline"
# The timeline is well-formed SVG (as XML, not only as HTML's forgiving parser reads it): a title and a
# description for screen readers, no script.
python3 - "$work/report.html" <<'PY' || fail "the Upcoming timeline is not valid SVG"
import re, sys, xml.dom.minidom
svg = re.search(r'<svg class="timeline".*?</svg>', open(sys.argv[1], encoding="utf-8").read(), re.S).group(0)
root = xml.dom.minidom.parseString(svg).documentElement
assert root.namespaceURI == "http://www.w3.org/2000/svg", root.namespaceURI
assert root.getElementsByTagName("title") and root.getElementsByTagName("desc")
assert not root.getElementsByTagName("script") and not root.getElementsByTagName("foreignObject")
PY
test "$(stat -c %s "$work/report.png")" -gt 10000 || fail "no screenshot"
head -c 4 "$work/report.pdf" | grep -q "%PDF" || fail "printing to PDF failed"
echo "html in chromium: 1 passed, 0 failed"
