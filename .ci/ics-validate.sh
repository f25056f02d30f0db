#!/usr/bin/env bash
# Parses `bcpcheck due --format ics` of the example plans with a real iCalendar parser (Python's
# `icalendar` package, in a venv under target/) and checks it against `--format json` of the same
# run: one all-day VEVENT per obligation on its date, UIDs unique and built from the fingerprint
# and policy, the plan, policy and help in the description; a second run gives identical bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

source .ci/reports.sh
tools=${ICS_TOOL_DIR:-$root/target/ics-validate}
python_tool "$tools" "icalendar==6.1.1"
args=(due --as-of 2026-12-06 --within 365d fixtures/plans)
"$bcpcheck" "${args[@]}" --format ics --output "$out/due.ics"
"$bcpcheck" "${args[@]}" --format ics --output "$out/again.ics"
"$bcpcheck" "${args[@]}" --format json --output "$out/due.json"
cmp "$out/due.ics" "$out/again.ics"

"$tools/venv/bin/python" - "$out/due.ics" "$out/due.json" <<'PY'
import datetime, json, sys
import icalendar

raw = open(sys.argv[1], "rb").read()
assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b""), "lines must end with CRLF"
assert all(len(line) <= 75 for line in raw.split(b"\r\n")), "a line is longer than 75 octets"
calendar = icalendar.Calendar.from_ical(raw)
due = json.load(open(sys.argv[2]))
assert due["version"] == 1
events = list(calendar.walk("VEVENT"))
obligations = due["obligations"]
assert events and len(events) == len(obligations), (len(events), len(obligations))
uids = [str(e["UID"]) for e in events]
assert len(set(uids)) == len(uids), "UIDs are not unique"
for event, o in zip(events, obligations):
    assert str(event["UID"]) == f'{o["fingerprint"]}-{o["policy"]}@bcpcheck', event["UID"]
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert type(start) is datetime.date, "not an all-day event"
    assert start.isoformat() == o["date"], (start, o["date"])
    assert end - start == datetime.timedelta(days=1)
    description = str(event["DESCRIPTION"])
    assert o["file"] in description and o["policy"] in description, description
    if o["help"]:
        assert o["help"] in description, description
print(f"ics-validate: {len(events)} events parsed by icalendar {icalendar.__version__}, dates and UIDs match")
PY
