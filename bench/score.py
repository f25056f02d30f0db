#!/usr/bin/env python3
"""Score an engine's findings against a corpus's ground-truth.json: recall, precision, differences.

    python3 bench/score.py --truth bench/corpus-1000/ground-truth.json FINDINGS [--format auto|jsonl|bcpcheck|spectral]
                           [--exact] [--json]

FINDINGS is the engine's output: JSON lines {file, policy, path} (the peers), bcpcheck's `--format json`, or
Spectral's `--format json`. Only the ten checks of the ground truth are scored. Paths are compared at the level of
the selected item: `processes[3].rto`, `/processes/3/rto` and `$.processes[3]` all count as `processes[3]`; a path
that does not start with a list item (`metadata.next_review`) counts as document-level (""). Files are compared by
their path relative to the corpus directory. With --exact, exits 1 unless the findings equal the ground truth.
Standard library only.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys

ITEM_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)\[(\d+)\]")


def norm_path(p) -> str:
    if p is None:
        return ""
    if isinstance(p, list):  # Spectral: ["processes", 3, "rto"]
        ok = len(p) >= 2 and (isinstance(p[1], int) or str(p[1]).isdigit())
        return f"{p[0]}[{p[1]}]" if ok else ""
    s = str(p).strip()
    if s.startswith("$"):
        s = s[1:].lstrip(".")
    if s.startswith("/"):  # JSON pointer
        parts = s[1:].split("/")
        return f"{parts[0]}[{parts[1]}]" if len(parts) >= 2 and parts[1].isdigit() else ""
    m = ITEM_RE.match(s)
    return f"{m.group(1)}[{m.group(2)}]" if m else ""


def rel_file(f: str, corpus: str) -> str:
    f = f.replace("file://", "")
    if os.path.isabs(f) or os.path.exists(f):
        try:
            return os.path.relpath(os.path.abspath(f), os.path.abspath(corpus))
        except ValueError:
            pass
    return os.path.basename(f)


def _first(d: dict, *keys):
    for k in keys:
        if k in d and d[k] not in (None, ""):
            return d[k]
    return None


def load_findings(path: str, fmt: str, corpus: str):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    out = set()
    if fmt == "auto":
        stripped = text.lstrip()
        if not stripped:
            return out
        if stripped.startswith("{") and "\n{" in stripped.strip():
            fmt = "jsonl"
        else:
            try:
                data = json.loads(text)
            except json.JSONDecodeError:
                fmt = "jsonl"
            else:
                fmt = "spectral" if isinstance(data, list) and data and "code" in data[0] and "source" in data[0] \
                    else "bcpcheck"
    if fmt == "jsonl":
        for line in text.splitlines():
            if line.strip():
                r = json.loads(line)
                out.add((rel_file(r["file"], corpus), r["policy"], norm_path(r.get("path"))))
        return out
    data = json.loads(text)
    if fmt == "spectral":
        for r in data:
            out.add((rel_file(r["source"], corpus), r["code"], norm_path(r.get("path"))))
        return out
    # bcpcheck --format json: a list of findings, or an object holding one (findings / results / diagnostics),
    # possibly grouped per file. Accept the common spellings of the fields.
    def walk(node, file_ctx=None):
        if isinstance(node, list):
            for x in node:
                walk(x, file_ctx)
            return
        if not isinstance(node, dict):
            return
        pol = _first(node, "policy", "policyId", "policy_id", "rule", "ruleId", "code")
        file = _first(node, "file", "path_file", "uri") or file_ctx
        if isinstance(file, dict):
            file = _first(file, "path", "name", "uri")
        if pol and isinstance(pol, str) and (file or file_ctx) and _first(node, "severity", "message") is not None:
            lp = _first(node, "logicalPath", "logical_path", "nodePath", "jsonPath", "pointer", "location_path")
            if lp is None and isinstance(node.get("location"), dict):
                lp = _first(node["location"], "logicalPath", "logical_path", "path")
            if lp is None and isinstance(node.get("path"), (str, list)) and node.get("path") != file:
                lp = node["path"]
            out.add((rel_file(str(file), corpus), pol, norm_path(lp)))
            return
        fctx = _first(node, "file", "path") if isinstance(_first(node, "file", "path"), str) else file_ctx
        for k, v in node.items():
            if k in ("suppressed", "waived", "policies", "summary", "stats"):
                continue
            if isinstance(v, (list, dict)):
                walk(v, fctx)
    walk(data)
    return out


def score(truth_path: str, findings_path: str, fmt: str = "auto"):
    with open(truth_path, encoding="utf-8") as f:
        truth = json.load(f)
    corpus = os.path.dirname(os.path.abspath(truth_path))
    checks = set(truth["checks"])
    expected = {(fname, x["policy"], x["path"]) for fname, xs in truth["files"].items() for x in xs}
    got = {t for t in load_findings(findings_path, fmt, corpus) if t[1] in checks}
    tp = expected & got
    res = {
        "expected": len(expected), "reported": len(got), "true_positives": len(tp),
        "recall": len(tp) / len(expected) if expected else 1.0,
        "precision": len(tp) / len(got) if got else (1.0 if not expected else 0.0),
        "missed": sorted(expected - got), "extra": sorted(got - expected),
    }
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("findings")
    ap.add_argument("--truth", required=True)
    ap.add_argument("--format", default="auto", choices=["auto", "jsonl", "bcpcheck", "spectral"])
    ap.add_argument("--exact", action="store_true", help="exit 1 unless findings == ground truth")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    ap.add_argument("--show", type=int, default=10, help="differences to print (10)")
    args = ap.parse_args(argv)
    r = score(args.truth, args.findings, args.format)
    if args.json:
        print(json.dumps(r))
    else:
        print(f"expected {r['expected']}, reported {r['reported']}, recall {r['recall']:.3f}, "
              f"precision {r['precision']:.3f}")
        for label in ("missed", "extra"):
            for t in r[label][: args.show]:
                print(f"  {label}: {t[0]} {t[1]} {t[2]!r}")
            if len(r[label]) > args.show:
                print(f"  ... {len(r[label]) - args.show} more {label}")
    if args.exact and (r["missed"] or r["extra"]):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
