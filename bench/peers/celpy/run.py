#!/usr/bin/env python3
"""cel-python peer: evaluate a bcpcheck policy file (default bench/ten-checks.yaml) with cel-python.

Same policy semantics as bcpcheck (DESIGN.md §3, checks.md rulings): `select` picks the matches, a `when` that
fails to evaluate (a missing field) means "not applicable", a rule that is false or fails to evaluate is a finding.
Extension functions `date()` and `period()` are registered as Python functions.

Prints one JSON line per finding: {"file", "policy", "path"} with path = the select match (`processes[3]`) or ""
for document-level policies. `--jobs N` evaluates files in N worker processes (default: all cores).

    bench/out/venv/bin/python bench/peers/celpy/run.py --as-of 2026-11-28 bench/corpus-1000
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import re
import sys

import celpy
import yaml
from celpy import celtypes

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_POLICY = os.path.normpath(os.path.join(HERE, "..", "..", "ten-checks.yaml"))
DEFAULT_PARAMS = {  # shared/plan-schema.md §3
    "criticalTier": 2, "exitTier": 1, "reviewCycle": "365d", "biaMaxAge": "365d", "exerciseMaxAge": "365d",
    "restoreTestMaxAge": "365d", "trainingMaxAge": "365d", "exitReviewMaxAge": "365d", "retestWithin": "183d",
    "externalTypes": ["cloud-saas", "cloud-paas", "cloud-iaas", "identity", "third-party-service", "telecom", "supplier"],
    "cloudTypes": ["cloud-saas", "cloud-paas", "cloud-iaas", "identity"],
    "requiredRoleFunctions": ["activation", "incident-command", "recovery", "communications"],
    "commsExerciseTypes": ["call-tree", "communications"],
}


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML is YAML 1.1: keep YYYY-MM-DD as strings, as YAML 1.2 (and bcpcheck) does."""


Yaml12Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

UNIT_S = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
PERIOD_RE = re.compile(r"^(?:\d+[wdhms])+$")


def cel_date(s):
    d = dt.date.fromisoformat(str(s))
    return celtypes.TimestampType(dt.datetime(d.year, d.month, d.day, tzinfo=dt.timezone.utc))


def cel_period(s):
    s = str(s)
    if not PERIOD_RE.match(s):
        raise ValueError(f"bad period {s!r}")
    return celtypes.DurationType(seconds=sum(int(n) * UNIT_S[u] for n, u in re.findall(r"(\d+)([wdhms])", s)))


FUNCS = {"date": cel_date, "period": cel_period}


def select(doc, pattern):
    """Yield (logical path, value) for a select pattern such as `processes[*]`, `a.b`, `map.*`."""
    if not pattern:
        yield "", doc
        return
    nodes = [("", doc)]
    for seg in re.findall(r"[^.\[\]]+|\[\*\]|\[\d+\]", pattern):
        nxt = []
        for path, node in nodes:
            if seg == "[*]":
                if isinstance(node, list):
                    nxt += [(f"{path}[{i}]", v) for i, v in enumerate(node)]
            elif seg.startswith("["):
                i = int(seg[1:-1])
                if isinstance(node, list) and i < len(node):
                    nxt.append((f"{path}[{i}]", node[i]))
            elif seg == "*":
                if isinstance(node, dict):
                    nxt += [(f"{path}.{k}" if path else k, v) for k, v in node.items()]
            elif isinstance(node, dict) and seg in node:
                nxt.append((f"{path}.{seg}" if path else seg, node[seg]))
        nodes = nxt
    yield from nodes


def drop_nulls(v):
    """plan-schema.md §1: a key holding null is absent."""
    if isinstance(v, dict):
        return {k: drop_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [drop_nulls(x) for x in v]
    return v


_STATE = {}


def load_policies(sources):
    """Policies from files or directories (a file holds one policy or a list; other YAML is skipped)."""
    pols = []
    for src in sources:
        paths = [src]
        if os.path.isdir(src):
            paths = sorted(os.path.join(d, n) for d, _, ns in os.walk(src) for n in ns if n.endswith((".yaml", ".yml")))
        for path in paths:
            with open(path, encoding="utf-8") as f:
                data = yaml.load(f, Loader=Yaml12Loader)
            for p in data if isinstance(data, list) else [data]:
                if isinstance(p, dict) and "id" in p and "rule" in p:
                    pols.append(p)
    return pols


def init(policy_sources, params, as_of):
    env = celpy.Environment()

    def prog(text):
        return env.program(env.compile(text), functions=FUNCS)

    compiled = []
    for p in load_policies(policy_sources):
        when = prog(p["when"]) if p.get("when") else None
        variables = [(v["name"], prog(v["expression"])) for v in p.get("variables") or []]
        compiled.append((p["id"], p.get("select", ""), when, variables, prog(p["rule"])))
    _STATE.update(policies=compiled, params=celpy.json_to_cel(params), now=cel_date(as_of),
                  errors=0)


def check_file(path):
    with open(path, encoding="utf-8") as f:
        data = drop_nulls(yaml.load(f, Loader=Yaml12Loader))
    doc = celpy.json_to_cel(data)
    out = []
    name = os.path.basename(path)
    base = {"doc": doc, "now": _STATE["now"], "params": _STATE["params"],
            "file": celpy.json_to_cel({"path": path, "name": name, "ext": name.rsplit(".", 1)[-1],
                                       "kind": data.get("kind", "")})}
    for pid, sel, when, variables, rule in _STATE["policies"]:
        for lpath, node in select(data, sel):
            act = dict(base, self=celpy.json_to_cel(node) if sel else doc)
            if when is not None:
                try:
                    if not bool(when.evaluate(act)):
                        continue
                except Exception:  # missing field in `when`: not applicable (checks.md ruling 1)
                    continue
            if variables:  # in order, after `when`; one that fails is left out (using it fails the rule)
                bound = celtypes.MapType({})
                for vname, vprog in variables:
                    try:
                        bound[celtypes.StringType(vname)] = vprog.evaluate(dict(act, variables=bound))
                    except Exception:
                        pass
                act["variables"] = bound
            try:
                ok = bool(rule.evaluate(act))
            except Exception:  # a missing field in `rule` is a finding
                ok = False
            if not ok:
                out.append((pid, lpath))
    return path, out


def files_of(paths):
    for p in paths:
        if os.path.isdir(p):
            for name in sorted(os.listdir(p)):
                if name.endswith((".yaml", ".yml")) and name != "ground-truth.json":
                    yield os.path.join(p, name)
        else:
            yield p


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--policy", action="append", help="policy file or directory (repeatable; default: "
                    "bench/ten-checks.yaml)")
    ap.add_argument("--params", help="YAML file of parameters overriding the defaults (e.g. policies/params.yaml)")
    ap.add_argument("--as-of", default=dt.date.today().isoformat())
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args(argv)
    files = list(files_of(args.paths))
    params = dict(DEFAULT_PARAMS)
    if args.params:
        with open(args.params, encoding="utf-8") as f:
            params.update(yaml.load(f, Loader=Yaml12Loader) or {})
    initargs = (args.policy or [DEFAULT_POLICY], params, args.as_of)
    w = sys.stdout.write
    if args.jobs <= 1 or len(files) < 2:
        init(*initargs)
        results = map(check_file, files)
        for path, out in results:
            for pid, lpath in out:
                w(json.dumps({"file": os.path.basename(path), "policy": pid, "path": lpath}) + "\n")
        return 0
    with multiprocessing.Pool(args.jobs, initializer=init, initargs=initargs) as pool:
        for path, out in pool.imap(check_file, files, chunksize=16):
            for pid, lpath in out:
                w(json.dumps({"file": os.path.basename(path), "policy": pid, "path": lpath}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
