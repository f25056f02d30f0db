#!/usr/bin/env python3
"""Benchmark bcpcheck against peer policy engines on generated ContinuityPlan corpora.

    python3 bench/run.py                      # full run: bcpcheck on 1/100/1,000/10,000 plans, scaling, peers
    python3 bench/run.py --n 1,100,1000 --no-peers
    python3 bench/run.py --peers regorus,spectral --peer-n 1000
    python3 bench/run.py --quick              # CI: N=10, bcpcheck only, findings must equal the ground truth

Times whole processes (wall clock, median of several runs; peak RSS of the process tree's largest process, from
wait4). bcpcheck runs the ten checks of bench/ten-checks.yaml with --no-default-packs; the row "bcpcheck (all
packs)" runs every built-in pack, for the performance budget of DESIGN.md §9, and counts findings in plans whose
ground truth is clean (should be 0). Every engine's findings are scored against ground-truth.json (recall,
precision). Prints Markdown tables; also writes bench/out/results.json and bench/out/results.md.
Corpora are generated on demand (bench/gen_corpus.py, seed 42) into bench/corpus-N (ignored by git).
Standard library only; peers are installed by bench/setup-peers.sh.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
OUT = os.path.join(BENCH, "out")
AS_OF = "2026-11-28"
sys.path.insert(0, BENCH)
import score as scorer  # noqa: E402


# ---------------------------------------------------------------------------------------------------------------
# Engines: how to run each on a corpus directory, writing findings to `out`.


class Engine:
    def __init__(self, name, argv, stdout=True, env=None, ok_codes=(0,), exe=None, install=""):
        self.name, self._argv, self.stdout, self.env, self.ok_codes = name, argv, stdout, env, ok_codes
        self.exe, self.install = exe, install

    def available(self):
        return self.exe is None or os.path.exists(self.exe)

    def argv(self, corpus, out):
        return self._argv(corpus, out)


def engines(bin_path):
    py = os.path.join(OUT, "venv", "bin", "python")
    spectral = os.path.join(OUT, "spectral", "node_modules", ".bin", "spectral")
    regorus = os.path.join(OUT, "regorus-target", "release", "bcp-regorus")
    ten = os.path.join(BENCH, "ten-checks.yaml")
    setup = "bash bench/setup-peers.sh"
    return {
        "bcpcheck": Engine("bcpcheck", lambda c, o: [bin_path, "check", "--no-default-packs", "--policy", ten,
                                                     "--as-of", AS_OF, "--format", "json", "--fail-on", "never",
                                                     "--output", o, c], stdout=False, exe=bin_path),
        "bcpcheck-all": Engine("bcpcheck (all packs)", lambda c, o: [bin_path, "check", "--as-of", AS_OF, "--format",
                                                                     "json", "--fail-on", "never", "--output", o, c],
                               stdout=False, exe=bin_path),
        "regorus": Engine("regorus", lambda c, o: [regorus, "--as-of", AS_OF, c], exe=regorus, install=setup),
        "opa": Engine("OPA (in-process)", lambda c, o: [py, os.path.join(BENCH, "peers", "opa", "run.py"),
                                                        "--as-of", AS_OF, c], exe=py, install=setup),
        "cel-python": Engine("cel-python", lambda c, o: [py, os.path.join(BENCH, "peers", "celpy", "run.py"),
                                                         "--as-of", AS_OF, c], exe=py, install=setup),
        "spectral": Engine("Spectral", lambda c, o: [spectral, "lint", "-q", "-r",
                                                     os.path.join(BENCH, "peers", "spectral", "ruleset.yaml"),
                                                     "-f", "json", "-o", o, os.path.join(c, "*.yaml")],
                           # Spectral holds every parsed document: 10,000 plans exceed node's default ~4 GB heap
                           stdout=False, env={"BCP_AS_OF": AS_OF, "NODE_OPTIONS": "--max-old-space-size=16384"},
                           ok_codes=(0, 1), exe=spectral, install=setup),
    }


PEERS = ["regorus", "opa", "cel-python", "spectral"]


# ---------------------------------------------------------------------------------------------------------------


def run_once(argv, out_path, stdout_to_file, extra_env=None):
    """Run argv once; return (wall seconds, peak RSS in MiB, exit code, CPU seconds user+sys)."""
    env = dict(os.environ, **(extra_env or {}))
    log = open(out_path + ".stderr", "wb")
    sink = open(out_path, "wb") if stdout_to_file else subprocess.DEVNULL
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=sink, stderr=log, env=env)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    log.close()
    if stdout_to_file:
        sink.close()
    return wall, ru.ru_maxrss / 1024.0, p.returncode, ru.ru_utime + ru.ru_stime


def ensure_corpus(n=None, process_count=None, seed=42, defect_rate=0.3, name=None):
    name = name or (f"corpus-p{process_count}" if process_count else f"corpus-{n}")
    d = os.path.join(BENCH, name)
    gt = os.path.join(d, "ground-truth.json")
    if os.path.exists(gt):
        with open(gt) as f:
            t = json.load(f)
        if t.get("seed") == seed and t.get("n") == (1 if process_count else n) \
                and t.get("process_count") == process_count \
                and (process_count or t.get("defect_rate") == defect_rate):
            return d
        shutil.rmtree(d)
    args = [sys.executable, os.path.join(BENCH, "gen_corpus.py"), "--seed", str(seed), "--out", d]
    args += ["--process-count", str(process_count)] if process_count else \
        ["--n", str(n), "--defect-rate", str(defect_rate)]
    subprocess.run(args, check=True)
    return d


def corpus_bytes(d):
    return sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d) if f.endswith(".yaml"))


def clean_file_findings(findings_path, corpus):
    """Findings (any policy) reported by bcpcheck in files whose ground truth is empty."""
    with open(os.path.join(corpus, "ground-truth.json")) as f:
        truth = json.load(f)
    clean = {k for k, v in truth["files"].items() if not v}
    with open(findings_path) as f:
        data = json.load(f)
    bad = {}
    for x in data.get("findings", []):
        rel = os.path.relpath(os.path.abspath(x["file"]), corpus)
        if rel in clean:
            bad[x["policy"]] = bad.get(x["policy"], 0) + 1
    return bad


def measure(engine, corpus, runs, tag, warmup=False):
    os.makedirs(os.path.join(OUT, "findings"), exist_ok=True)
    out = os.path.join(OUT, "findings", f"{tag}.out")
    argv = engine.argv(corpus, out)
    load = os.getloadavg()[0]
    if warmup:
        run_once(argv, out, engine.stdout, engine.env)
    walls, rss, cpus = [], [], []
    rc = 0
    for _ in range(runs):
        w, r, rc, c = run_once(argv, out, engine.stdout, engine.env)
        cpus.append(c)
        if rc not in engine.ok_codes:
            with open(out + ".stderr", errors="replace") as f:
                err = f.read()[-2000:]
            raise RuntimeError(f"{engine.name} exited {rc} on {corpus}:\n{err}")
        walls.append(w)
        rss.append(r)
    return {"engine": engine.name, "runs": runs, "wall": statistics.median(walls), "wall_min": min(walls),
            "cpu": statistics.median(cpus), "load": load,
            "wall_max": max(walls), "rss_mb": max(rss), "findings_file": out}


def fmt_s(s):
    return f"{s * 1000:.0f} ms" if s < 10 else f"{s:.1f} s"


def machine_info(bin_path):
    def cmd(*a):
        try:
            return subprocess.run(a, capture_output=True, text=True, timeout=20).stdout.strip().splitlines()[0]
        except Exception:
            return "n/a"
    cpu = "n/a"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except Exception:
        pass
    mem = "n/a"
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) / 1024 / 1024:.0f} GiB"
    except Exception:
        pass
    return {"date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "cpu": cpu,
            "cores": os.cpu_count(), "memory": mem, "os": platform.platform(),
            "load_at_start": os.getloadavg()[0], "bcpcheck": cmd(bin_path, "--version"),
            "git": cmd("git", "-C", ROOT, "log", "-1", "--format=%h %s", "--", "src", "policies", "Cargo.toml",
                       "Cargo.lock", "build.rs"),
            "rustc": cmd("rustc", "--version"),
            "python": platform.python_version(), "node": cmd("node", "--version")}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", default="1,100,1000,10000", help="corpus sizes for bcpcheck (1,100,1000,10000)")
    ap.add_argument("--peer-n", default="1000,10000", help="corpus sizes for the peers (1000,10000)")
    ap.add_argument("--peers", default="all", help="comma list of " + ",".join(PEERS) + " or 'all'")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--scale", default="10,100,1000", help="process counts of the one-plan scaling runs")
    ap.add_argument("--runs", type=int, help="runs per measurement (default: 5 for bcpcheck, 3 for peers; "
                                             "1 for peers and 3 for bcpcheck at 10,000 plans)")
    ap.add_argument("--no-all-packs", action="store_true", help="skip the bcpcheck all-packs rows")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "bcpcheck"))
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--label", help="what the binary is, for the header (default: last engine commit in git)")
    ap.add_argument("--quick", action="store_true",
                    help="N=10, bcpcheck only, exit 1 unless its findings equal the ground truth (CI)")
    args = ap.parse_args(argv)

    if not os.path.exists(args.bin):
        print(f"building {args.bin} (cargo build --release)", file=sys.stderr)
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    # Benchmark a private copy: a `cargo build` by someone else during the run must not swap the binary.
    os.makedirs(os.path.join(OUT, "bin"), exist_ok=True)
    private = os.path.join(OUT, "bin", "bcpcheck")
    shutil.copy2(args.bin, private)
    args.bin = private
    eng = engines(args.bin)

    if args.quick:
        # 10 plans, 8 with planted defects (seed 37 plants 20 findings of the ten checks), 2 clean
        corpus = ensure_corpus(10, seed=37, defect_rate=0.8, name="corpus-quick")
        r = measure(eng["bcpcheck"], corpus, 1, "quick-bcpcheck-10")
        s = scorer.score(os.path.join(corpus, "ground-truth.json"), r["findings_file"], "bcpcheck")
        print(f"bcpcheck on 10 plans: {fmt_s(r['wall'])}; expected {s['expected']}, reported {s['reported']}, "
              f"recall {s['recall']:.3f}, precision {s['precision']:.3f}")
        for label in ("missed", "extra"):
            for t in s[label]:
                print(f"  {label}: {t[0]} {t[1]} {t[2]!r}")
        ok = not s["missed"] and not s["extra"]
        print(("1 passed, 0 failed" if ok else "0 passed, 1 failed"))
        return 0 if ok else 1

    ns = [int(x) for x in args.n.split(",") if x]
    peer_ns = [] if args.no_peers else [int(x) for x in args.peer_n.split(",") if x]
    peers = [] if args.no_peers else (PEERS if args.peers == "all" else [p for p in args.peers.split(",") if p])
    for p in peers:
        if p not in eng:
            ap.error(f"unknown peer {p}")
    info = machine_info(args.bin)
    if args.label:
        info["git"] = args.label
    results = {"machine": info, "as_of": AS_OF, "seed": args.seed, "rows": [], "scaling": [], "skipped": []}
    print(f"bench: {info['date']}, {info['cpu']}, {info['cores']} cores, load {info['load_at_start']:.2f}",
          file=sys.stderr)

    def runs_for(name, n):
        if args.runs:
            return args.runs
        if name.startswith("bcpcheck"):
            return 3 if n >= 10000 else 5
        return 1 if n >= 10000 else 3

    base = {}
    for n in sorted(set(ns) | set(peer_ns)):
        corpus = ensure_corpus(n, seed=args.seed)
        gt = os.path.join(corpus, "ground-truth.json")
        size = corpus_bytes(corpus)
        todo = ["bcpcheck"] + ([] if args.no_all_packs else ["bcpcheck-all"]) + (peers if n in peer_ns else [])
        for key in todo:
            e = eng[key]
            if not e.available():
                results["skipped"].append(f"{e.name}: not installed ({e.exe}); run `{e.install}`")
                continue
            print(f"  {e.name} on {n} plans ...", file=sys.stderr, flush=True)
            try:
                r = measure(e, corpus, runs_for(key, n), f"{key}-{n}", warmup=key.startswith("bcpcheck"))
            except RuntimeError as err:  # keep going: a peer that fails is a result too
                print(f"    FAILED: {str(err)[:300]}", file=sys.stderr, flush=True)
                results["skipped"].append(f"{e.name} on {n:,} plans failed: {str(err).splitlines()[0]}")
                continue
            fmt = "bcpcheck" if key.startswith("bcpcheck") else ("spectral" if key == "spectral" else "jsonl")
            s = scorer.score(gt, r["findings_file"], fmt)
            r.update(key=key, n=n, mb=size / 1e6, recall=s["recall"], precision=s["precision"],
                     expected=s["expected"], reported=s["reported"], missed=s["missed"][:20], extra=s["extra"][:20])
            if key == "bcpcheck-all":
                r["clean_file_findings"] = clean_file_findings(r["findings_file"], corpus)
            if key == "bcpcheck":
                base[n] = (r["wall"], r["cpu"])
            results["rows"].append(r)
            save(results)
            print(f"    {fmt_s(r['wall'])} (CPU {fmt_s(r['cpu'])}), {r['rss_mb']:.0f} MB, recall {s['recall']:.3f} precision "
                  f"{s['precision']:.3f}", file=sys.stderr, flush=True)

    for k in [int(x) for x in args.scale.split(",") if x]:
        corpus = ensure_corpus(process_count=k, seed=args.seed)
        for key in ["bcpcheck"] + ([] if args.no_all_packs else ["bcpcheck-all"]):
            r = measure(eng[key], corpus, args.runs or 3, f"{key}-p{k}", warmup=True)
            r.update(key=key, processes=k, kb=corpus_bytes(corpus) / 1e3)
            results["scaling"].append(r)
            save(results)

    md = render(results, base)
    print(md)
    save(results)
    with open(os.path.join(OUT, "results.md"), "w") as f:
        f.write(md)
    return 0


def save(results):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(results, f, indent=1, default=str)


def render(results, base):
    m = results["machine"]
    lines = [f"Run {m['date']} on {m['cpu']} ({m['cores']} cores, {m['memory']}), load at start "
             f"{m['load_at_start']:.2f}; {m['bcpcheck']} (engine and packs as of commit `{m['git']}`); as-of {results['as_of']}, seed "
             f"{results['seed']}.", "",
             "| engine | plans | MB | wall (median) | per plan | plans/s | × bcpcheck (wall) | CPU (median) "
             "| × bcpcheck (CPU) | peak RSS | recall | precision | runs | load |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results["rows"]:
        ratio = r["wall"] / base[r["n"]][0] if r["n"] in base and base[r["n"]][0] else float("nan")
        cratio = r["cpu"] / base[r["n"]][1] if r["n"] in base and base[r["n"]][1] else float("nan")
        rp = f"{r['recall']:.3f} | {r['precision']:.3f}" if r["key"] != "bcpcheck-all" else "– | –"
        lines.append(f"| {r['engine']} | {r['n']:,} | {r['mb']:.1f} | {fmt_s(r['wall'])} | "
                     f"{r['wall'] / r['n'] * 1000:.2f} ms | {r['n'] / r['wall']:,.0f} | {ratio:.2f} | "
                     f"{fmt_s(r['cpu'])} | {cratio:.2f} | {r['rss_mb']:.0f} MB | {rp} | {r['runs']} | {r.get('load', 0):.1f} |")
    all_rows = [r for r in results["rows"] if r["key"] == "bcpcheck-all"]
    if all_rows:
        lines += ["", "bcpcheck (all packs) runs every built-in pack (the budget of DESIGN.md §9); it is not scored "
                      "against the ten-check ground truth (the packs model some of the ten differently: an unresolved "
                      "owner or provider is a BCP-REF finding, DEP-006 points at the dependency). Findings of any "
                      "policy in plans whose ground truth is clean (should be none):", ""]
        for r in all_rows:
            cf = r.get("clean_file_findings") or {}
            lines.append(f"- {r['n']:,} plans: " + (", ".join(f"{k} {v}" for k, v in sorted(cf.items())) or "none"))
    if results["scaling"]:
        lines += ["", "| one plan of | KB | engine | wall (median) | per process | CPU (median) | peak RSS |",
                  "|---:|---:|---|---:|---:|---:|---:|"]
        for r in results["scaling"]:
            lines.append(f"| {r['processes']:,} processes | {r['kb']:.0f} | {r['engine']} | {fmt_s(r['wall'])} | "
                         f"{r['wall'] / r['processes'] * 1e6:.0f} µs | {fmt_s(r['cpu'])} | {r['rss_mb']:.0f} MB |")
    diffs = [r for r in results["rows"] if (r.get("missed") or r.get("extra")) and r["key"] != "bcpcheck-all"]
    if diffs:
        lines += ["", "Differences from the ground truth (first few):", ""]
        for r in diffs:
            for label in ("missed", "extra"):
                for t in r[label][:3]:
                    lines.append(f"- {r['engine']} ({r['n']:,}): {label} {t[0]} {t[1]} `{t[2]}`")
    for s in results["skipped"]:
        lines.append(f"- skipped: {s}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
