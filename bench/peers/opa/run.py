#!/usr/bin/env python3
"""OPA peer: evaluate bench/peers/rego/bcp.rego with OPA in-process (PyPI `opa-golib-python-bindings`).

The policy is compiled once per worker; each plan (YAML read with PyYAML, dates kept as strings as in YAML 1.2) is
the input of `data.bcp.findings`. Prints one JSON line per finding: {"file", "policy", "path"}.
`--jobs N` evaluates files in N worker processes (default: all cores).

    bench/out/venv/bin/python bench/peers/opa/run.py --as-of 2026-11-28 bench/corpus-1000
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import sys

import yaml
from opa_bindings import OpaEngine

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_POLICY = os.path.normpath(os.path.join(HERE, "..", "rego", "bcp.rego"))
PARAMS = {"criticalTier": 2, "restoreTestMaxAge": "365d",
          "externalTypes": ["cloud-saas", "cloud-paas", "cloud-iaas", "identity", "third-party-service", "telecom",
                            "supplier"]}


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML is YAML 1.1: keep YYYY-MM-DD as strings, as YAML 1.2 does."""


Yaml12Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_ENGINE = {}


def init(policy_file, as_of):
    d = dt.date.fromisoformat(as_of)
    now_ns = int(dt.datetime(d.year, d.month, d.day, tzinfo=dt.timezone.utc).timestamp()) * 1_000_000_000
    eng = OpaEngine()
    with open(policy_file, encoding="utf-8") as f:
        eng.add_policy("bcp.rego", f.read())
    eng.add_data({"params": PARAMS, "now_ns": now_ns})
    _ENGINE["e"] = eng


def check_file(path):
    with open(path, encoding="utf-8") as f:
        plan = yaml.load(f, Loader=Yaml12Loader)
    res = _ENGINE["e"].eval_document("bcp.findings", plan)
    return path, [(r["policy"], r["path"]) for r in res]


def files_of(paths):
    for p in paths:
        if os.path.isdir(p):
            for name in sorted(os.listdir(p)):
                if name.endswith((".yaml", ".yml")):
                    yield os.path.join(p, name)
        else:
            yield p


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--policy", default=DEFAULT_POLICY)
    ap.add_argument("--as-of", default=dt.date.today().isoformat())
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args(argv)
    files = list(files_of(args.paths))
    w = sys.stdout.write

    def emit(results):
        for path, out in results:
            for pol, lpath in out:
                w(json.dumps({"file": os.path.basename(path), "policy": pol, "path": lpath}) + "\n")

    if args.jobs <= 1 or len(files) < 2:
        init(args.policy, args.as_of)
        emit(map(check_file, files))
        return 0
    with multiprocessing.Pool(args.jobs, initializer=init, initargs=(args.policy, args.as_of)) as pool:
        emit(pool.imap(check_file, files, chunksize=16))
    return 0


if __name__ == "__main__":
    sys.exit(main())
