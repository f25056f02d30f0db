#!/usr/bin/env python3
"""Benchmark bcpcheck on a portfolio: N generated plans, one Register and one BusinessImpactAnalysis.

    python3 bench/portfolio.py                          # N=100,1000,10000 and the pre-commit case (200 documents)
    python3 bench/portfolio.py --n 100,1000 --runs 3    # a shorter run
    python3 bench/portfolio.py --generate-only --n 1000 # write bench/out/portfolio-1000/ and stop

A portfolio directory (bench/out/portfolio-N/, ignored by git) holds `plans/plan-NNNNN.yaml` (bench/gen_corpus.py,
seed 42, `--defect-rate 0`: realistic, clean plans), `register.yaml`, `bia.yaml` and a `bcpcheck.yaml` whose `plans`
and `workspace` globs take all of them. The generated plans are changed in three ways only:
- process ids get the plan's number (`P-PAYME1` -> `P-PAYME1-00042`, every reference too), so that a BIA process
  is one plan's process, as in a real portfolio;
- the first process of every plan also depends on one register dependency (`DEP-REG-k`, k = plan number modulo the
  register's dependencies), so that register providers are used by many plans (concentration);
- nothing else: people, roles, providers and dependencies stay the plan's own (ids repeat across plans, as the
  generator makes them; only register and BIA entries are shared entities).
The BIA lists every process of tier 1 and 2 of every plan with that plan's objectives (so plans cover it and are no
looser), plus five processes no plan has (two of them critical: expected coverage findings). Expected findings with
the `portfolio` pack and the workspace-aware BCP-REF-* (branch `portfolio`): PORT-BIA-001 twice (the uncovered
critical processes) and PORT-CONC-001 once per register provider (each carries critical processes of about a fifth
of the plans), nothing else; with a binary whose BCP-REF-025 does not read the workspace, one BCP-REF-025 per plan.

Measured (wall time around the process, peak RSS from wait4, CPU user+sys; median and min of --runs runs after one
warm-up run; the binary is copied first):
- `bcpcheck check --format concise --as-of 2026-11-28` run in the portfolio directory (its bcpcheck.yaml: every
  document checked, all built-in packs) at each --n, with ms per plan and time(N)/time(N/10) (10 = linear);
- the pre-commit case: a portfolio of --precommit documents (plans + register + BIA), run in its directory as the
  pre-commit hook does (`bcpcheck check --only-plans plans/plan-00001.yaml`, plus --as-of), all packs; the same
  with `--pack core` only; and the one plan checked alone (`--no-config`: no workspace), all packs and core.
Prints a Markdown table; writes bench/out/portfolio.json and bench/out/portfolio.md (portfolio-TAG.* with --tag).
Standard library only.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
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
import gen_corpus as gen  # noqa: E402
from run import fmt_s, machine_info  # noqa: E402

RESULTS_NAME = "portfolio"  # bench/out/RESULTS_NAME.{md,json}
VERSION = 1  # of the portfolio generated here: a portfolio-N with another version is generated again
UNCOVERED = [("P-UNCOVERED-1", "Treasury cash positioning", 1), ("P-UNCOVERED-2", "Sanctions screening", 2),
             ("P-UNCOVERED-3", "Facilities booking", 3), ("P-UNCOVERED-4", "Internal newsletter", 4),
             ("P-UNCOVERED-5", "Archive digitisation", 4)]
REG_PROVIDERS = [("PAYROLL", "Payroll Bureau Ltd"), ("PRINT", "Secure Print and Mail GmbH"),
                 ("DC", "Colocation Data Centre AG"), ("CARD", "Card Processing Services SE"),
                 ("SMS", "Mass Notification Service Oy")]
# (suffix, name, type, hosting, provider key)
REG_DEPENDENCIES = [
    ("PAYROLL", "Outsourced payroll run", "third-party-service", "third-party", "PAYROLL"),
    ("PRINT", "Statement printing and mailing", "supplier", "third-party", "PRINT"),
    ("COLO", "Colocation racks and power", "facility", None, "DC"),
    ("CARD", "Card acquiring and processing", "third-party-service", "third-party", "CARD"),
    ("SMS", "Mass SMS notification", "cloud-saas", "cloud", "SMS"),
    ("PAYSLIP", "Payslip portal", "cloud-saas", "cloud", "PAYROLL"),
    ("CHARGEBACK", "Chargeback handling", "third-party-service", "third-party", "CARD"),
    ("REMOTE", "Remote hands at the colocation site", "third-party-service", "third-party", "DC"),
]


# ---------------------------------------------------------------------------------------------------------------
# Generation


def rename(value, mapping):
    """value with every string equal to a key of mapping replaced (ids are whole values, never parts)."""
    if isinstance(value, str):
        return mapping.get(value, value)
    if isinstance(value, list):
        return [rename(v, mapping) for v in value]
    if isinstance(value, dict):
        return {k: rename(v, mapping) for k, v in value.items()}
    return value


def portfolio_plan(i: int, seed: int) -> dict:
    """Plan i of bench/gen_corpus.py (seed, defect rate 0), its process ids made plan-unique and its first process
    depending on a register dependency."""
    rng = random.Random(f"{seed}-{i}")
    n_proc, n_dep = gen.sizes(rng)
    plan = gen.build_plan(rng, i, n_proc, n_dep, random.Random(f"{seed}-{i}-ed2"))
    plan = rename(plan, {p["id"]: f"{p['id']}-{i + 1:05d}" for p in plan["processes"]})
    dep = f"DEP-REG-{REG_DEPENDENCIES[i % len(REG_DEPENDENCIES)][0]}"
    plan["processes"][0]["depends_on"] = plan["processes"][0]["depends_on"] + [dep]
    return plan


def register() -> dict:
    people = [{"id": f"PER-REG-{k}", "name": name, "title": title, "email": f"{name.split()[0].lower()}@group.example",
               "phone": f"+49 30 5550 {k:04d}"}
              for k, (name, title) in enumerate([("Vera Lindqvist", "Head of Vendor Management"),
                                                 ("Omar Haddad", "Vendor Manager"),
                                                 ("Ines Moreau", "Third-Party Risk Officer"),
                                                 ("Tariq Bell", "Infrastructure Manager")], 1)]
    roles = [{"id": "ROLE-REG-VENDOR", "name": "Vendor Manager", "functions": ["monitoring", "recovery"],
              "primary": "PER-REG-2", "alternates": ["PER-REG-3"]},
             {"id": "ROLE-REG-INFRA", "name": "Infrastructure Recovery Lead", "functions": ["recovery", "technical"],
              "primary": "PER-REG-4", "alternates": ["PER-REG-1"]}]
    providers, evidence = [], []
    for k, (key, name) in enumerate(REG_PROVIDERS):
        evidence += [
            {"id": f"EV-REG-CONTRACT-{key}", "type": "contract", "title": f"{name} contract",
             "uri": f"evidence/contract-{key.lower()}.pdf", "date": gen.day(-400 - 30 * k)},
            {"id": f"EV-REG-BC-{key}", "type": "provider-continuity", "title": f"{name} continuity report",
             "uri": f"evidence/bc-{key.lower()}.pdf", "date": gen.day(-60 - 10 * k)},
            {"id": f"EV-REG-EXIT-{key}", "type": "exit-plan", "title": f"Exit plan for {name}",
             "uri": f"evidence/exit-{key.lower()}.pdf", "date": gen.day(-90 - 5 * k)}]
        providers.append({
            "id": f"PRV-REG-{key}", "name": name, "contract": f"EV-REG-CONTRACT-{key}",
            "support": {"channel": "Provider support portal", "phone": f"+1 555 02{k:02d}"},
            "continuity_evidence": f"EV-REG-BC-{key}", "data_locations": [gen.DATA_LOCATIONS[k % 5]],
            "status_channels": [f"https://status.{key.lower()}.example", "Account manager by phone"],
            "exit_strategy": {"alternative": "Alternate provider shortlisted and pre-contracted",
                              "transition_period": "180d", "data_export": "Full export via provider API",
                              "plan": f"EV-REG-EXIT-{key}", "reviewed_on": gen.day(-90 - 5 * k)}})
    dependencies = []
    for k, (key, name, typ, hosting, prov) in enumerate(REG_DEPENDENCIES):
        d = {"id": f"DEP-REG-{key}", "name": name, "type": typ}
        if hosting:
            d["hosting"] = hosting
        d.update(owner=f"PER-REG-{k % 4 + 1}", provider=f"PRV-REG-{prov}",
                 sla={"availability": 99.95, "ref": f"EV-REG-CONTRACT-{prov}"})
        if typ in gen.CLOUD_TYPES:
            d["responsibility"] = {"provider": ["Service availability and resilience"],
                                   "customer": ["Access configuration", "Data backup beyond native retention"]}
        # Faster than any plan process needs (the fastest generated RTO is 1h, the fastest RPO 5m).
        d.update(rto="15m", rpo="5m")
        ctype, desc = gen.CONTINGENCY.get(typ, ("workaround", "Manual workaround"))
        d["contingency"] = {"type": ctype, "description": desc, "activation_time": "15m",
                            "owner": "ROLE-REG-INFRA" if typ == "facility" else "ROLE-REG-VENDOR"}
        dependencies.append(d)
    return {"apiVersion": "bcp/v1", "kind": "Register",
            "metadata": {"id": "REG-GROUP", "title": "Group register of information (providers and dependencies)",
                         "owner": "PER-REG-1", "version": "3.2", "last_reviewed": gen.day(-40),
                         "next_review": gen.day(325)},
            "people": people, "roles": roles, "providers": providers, "dependencies": dependencies,
            "evidence": evidence}


def bia(plans: list[dict]) -> dict:
    impacts = [("financial", "4h", "medium"), ("customer", "1d", "high"), ("regulatory", "3d", "severe")]
    processes = []
    for plan in plans:
        for p in plan["processes"]:
            if p["tier"] > gen.CRITICAL_TIER:
                continue
            q = {"id": p["id"], "name": p["name"], "owner": "PER-BIA-1", "tier": p["tier"]}
            if "critical_or_important" in p:
                q["critical_or_important"] = p["critical_or_important"]
            q.update({k: p[k] for k in ("rto", "rpo", "mtpd", "mbco") if k in p})
            q["impacts"] = [{"category": c, "after": a, "level": lv}
                            for c, a, lv in impacts[:2 if p["tier"] > 1 else 3]]
            processes.append(q)
    for pid, name, tier in UNCOVERED:
        processes.append({"id": pid, "name": name, "owner": "PER-BIA-2", "tier": tier, "rto": "1d", "rpo": "4h",
                          "mtpd": "3d", "mbco": "Statutory deadlines met",
                          "impacts": [{"category": "financial", "after": "1d", "level": "medium"}]})
    return {"apiVersion": "bcp/v1", "kind": "BusinessImpactAnalysis",
            "metadata": {"id": "BIA-GROUP-2026", "title": "Group business impact analysis 2026", "owner": "PER-BIA-1",
                         "completed_on": gen.day(-120), "approved_by": "PER-BIA-2", "approved_on": gen.day(-110),
                         "method": "Workshops with every process owner", "evidence": "EV-BIA-GROUP"},
            "people": [{"id": "PER-BIA-1", "name": "Nadia Kowalski", "title": "Head of Business Continuity",
                        "email": "n.kowalski@group.example", "phone": "+49 30 5551 0001"},
                       {"id": "PER-BIA-2", "name": "Henrik Sorensen", "title": "Chief Operating Officer",
                        "email": "h.sorensen@group.example", "phone": "+49 30 5551 0002"}],
            "processes": processes,
            "evidence": [{"id": "EV-BIA-GROUP", "type": "bia", "title": "Group BIA report 2026",
                          "uri": "evidence/group-bia-2026.pdf", "date": gen.day(-110)}]}


CONFIG = """# Written by bench/portfolio.py: every document is checked and is part of the workspace.
plans: ["plans/*.yaml", "register.yaml", "bia.yaml"]
workspace: ["plans/*.yaml", "register.yaml", "bia.yaml"]
maxFileSize: 268435456
"""


def ensure_portfolio(n: int, seed: int) -> str:
    """bench/out/portfolio-N (reused when its stamp matches); returns its path."""
    d = os.path.join(OUT, f"portfolio-{n}")
    stamp_path = os.path.join(d, "portfolio.json")
    stamp = {"n": n, "seed": seed, "version": VERSION, "gen_mtime": os.path.getmtime(gen.__file__)}
    if os.path.exists(stamp_path):
        with open(stamp_path) as f:
            if {k: v for k, v in json.load(f).items() if k in stamp} == stamp:
                return d
    if os.path.exists(d):
        shutil.rmtree(d)
    os.makedirs(os.path.join(d, "plans"))
    t0 = time.perf_counter()
    plans, size = [], 0
    for i in range(n):
        plan = portfolio_plan(i, seed)
        text = gen.emit(plan)
        size += len(text)
        with open(os.path.join(d, "plans", f"plan-{i + 1:05d}.yaml"), "w", encoding="utf-8") as f:
            f.write(text)
        plans.append({"processes": [{k: p[k] for k in ("id", "name", "tier", "critical_or_important", "rto", "rpo",
                                                       "mtpd", "mbco") if k in p} for p in plan["processes"]]})
    reg, b = gen.emit(register()), gen.emit(bia(plans))
    for name, text in (("register.yaml", reg), ("bia.yaml", b), ("bcpcheck.yaml", CONFIG)):
        with open(os.path.join(d, name), "w", encoding="utf-8") as f:
            f.write(text)
    stamp.update(plans_bytes=size, register_bytes=len(reg), bia_bytes=len(b),
                 bia_processes=b.count("\n  - {id: P-"), generated_in_s=round(time.perf_counter() - t0, 1))
    with open(stamp_path, "w") as f:
        json.dump(stamp, f, indent=1)
    print(f"  wrote {d}: {n:,} plans ({size / 1e6:.1f} MB), register, BIA of {stamp['bia_processes']:,} processes "
          f"({len(b) / 1e6:.1f} MB)", file=sys.stderr, flush=True)
    return d


def info(d: str) -> dict:
    with open(os.path.join(d, "portfolio.json")) as f:
        return json.load(f)


# ---------------------------------------------------------------------------------------------------------------
# Measurement


def run_once(argv, cwd, out_path):
    """(wall s, peak RSS MiB, exit code, CPU s) of one run of argv in cwd; stdout to out_path."""
    with open(out_path, "wb") as out, open(out_path + ".stderr", "wb") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    return wall, ru.ru_maxrss / 1024.0, os.waitstatus_to_exitcode(status), ru.ru_utime + ru.ru_stime


def findings_by_policy(out_path):
    """Counts of the concise output's findings by policy id, plus problems."""
    counts: dict[str, int] = {}
    with open(out_path, errors="replace") as f:
        for line in f:
            m = re.search(r": (?:error|warning|info|note)\[([A-Za-z0-9-]+)\]", line) or \
                re.search(r"(?:^|: )(problem\[[^\]]+\])", line)
            if m:
                counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    return dict(sorted(counts.items()))


def measure(label, argv, cwd, runs, tag, count_argv=None, warmup=True):
    """Times argv (one warm-up run, then `runs` runs); counts findings from its concise output, or from one untimed
    run of count_argv (the same check with --format concise)."""
    out = os.path.join(OUT, "findings", f"portfolio-{tag}.out")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    load = os.getloadavg()[0]
    found = None
    if count_argv:
        run_once(count_argv, cwd, out)
        found = findings_by_policy(out)
    if warmup:
        run_once(argv, cwd, out)  # warm-up: page cache, and the first run's one-time costs
    walls, rss, cpus, codes = [], [], [], set()
    for _ in range(runs):
        w, r, rc, c = run_once(argv, cwd, out)
        # 1: findings at or above --fail-on; 2: problems (such as a policy stopped at the evaluation budget), a
        # result too, shown in the findings column; anything else is a failure
        if rc not in (0, 1, 2):
            with open(out + ".stderr", errors="replace") as f:
                raise RuntimeError(f"{label}: exit {rc}\n{f.read()[-2000:]}")
        walls.append(w)
        rss.append(r)
        cpus.append(c)
        codes.add(rc)
    return {"label": label, "argv": argv, "cwd": os.path.relpath(cwd, ROOT), "runs": runs,
            "wall": statistics.median(walls), "wall_min": min(walls), "cpu": statistics.median(cpus),
            "rss_mb": max(rss), "exit": sorted(codes), "load": load,
            "findings": found if count_argv else findings_by_policy(out),
            "output": os.path.relpath(out, ROOT)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", default="100,1000,10000", help="plans per portfolio for the full runs (100,1000,10000)")
    ap.add_argument("--precommit", type=int, default=200,
                    help="documents in the pre-commit portfolio (plans + register + BIA; default 200, 0: skip)")
    ap.add_argument("--runs", type=int, help="runs per measurement (default: 5, 2 at 10,000 plans, 15 pre-commit)")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "bcpcheck"))
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--generate-only", action="store_true", help="write the portfolios and stop")
    ap.add_argument("--tag", default="", help="write bench/out/portfolio-TAG.{md,json} (to compare binaries)")
    args = ap.parse_args(argv)
    ns = [int(x) for x in args.n.split(",") if x]

    if args.generate_only:
        for n in ns + ([args.precommit - 2] if args.precommit else []):
            ensure_portfolio(n, args.seed)
        return 0
    if not os.path.exists(args.bin):
        print(f"building {args.bin} (cargo build --release)", file=sys.stderr)
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    os.makedirs(os.path.join(OUT, "bin"), exist_ok=True)
    binary = os.path.join(OUT, "bin", "bcpcheck-portfolio")
    shutil.copy2(args.bin, binary)  # a rebuild during the run must not swap the binary
    machine = machine_info(binary)
    global RESULTS_NAME
    RESULTS_NAME = "portfolio" + (f"-{args.tag}" if args.tag else "")
    results = {"machine": machine, "as_of": AS_OF, "seed": args.seed, "full": [], "precommit": []}
    print(f"portfolio bench: {machine['date']}, {machine['cpu']}, {machine['cores']} cores, "
          f"load {machine['load_at_start']:.2f}", file=sys.stderr)

    if args.precommit:
        d = ensure_portfolio(args.precommit - 2, args.seed)
        one = "plans/plan-00001.yaml"
        runs = args.runs or 15
        hook = [binary, "check", "--only-plans", "--as-of", AS_OF]
        cases = [("pre-commit hook, all packs (workspace of %d documents)" % args.precommit, hook + [one]),
                 # `--pack core` alone: --no-default-packs would drop it too (only --policy files)
                 ("pre-commit hook, core pack only", hook + ["--pack", "core", one]),
                 ("one plan alone, all packs (--no-config: no workspace)", [binary, "check", "--no-config", "--as-of",
                                                                            AS_OF, one]),
                 ("one plan alone, core (--no-config)", [binary, "check", "--no-config", "--as-of", AS_OF,
                                                         "--pack", "core", one])]
        for k, (label, argv_) in enumerate(cases):
            print(f"  {label} ...", file=sys.stderr, flush=True)
            # timed exactly as the hook runs (human output); findings counted from a --format concise run
            r = measure(label, argv_, d, runs, f"precommit-{k}", count_argv=argv_[:2] + ["--format", "concise"]
                        + argv_[2:])
            r.update(n=args.precommit - 2, portfolio=info(d))
            results["precommit"].append(r)
            save(results)
            print(f"    {fmt_s(r['wall'])} (min {fmt_s(r['wall_min'])}), {r['rss_mb']:.0f} MB", file=sys.stderr,
                  flush=True)

    for n in ns:
        d = ensure_portfolio(n, args.seed)
        runs = args.runs or (2 if n >= 10000 else 5)
        print(f"  check, all packs, {n:,} plans + register + BIA ...", file=sys.stderr, flush=True)
        argv_ = [binary, "check", "--format", "concise", "--as-of", AS_OF]
        # The warm-up run; when it stops at the memory budget (exit 2, every file a problem), it is a row of its
        # own and the timed runs lift the budget (--max-memory 0) to time the whole check.
        out = os.path.join(OUT, "findings", f"portfolio-full-{n}-default.out")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        w, rss, rc, cpu = run_once(argv_, d, out)
        found = findings_by_policy(out)
        if rc == 2 and "problem[bcpcheck::engine::budget]" in found:
            results["full"].append({"label": f"{n:,} plans, default budget", "argv": argv_, "runs": 1, "wall": w,
                                    "wall_min": w, "cpu": cpu, "rss_mb": rss, "exit": [rc], "findings": found,
                                    "n": n, "portfolio": info(d), "output": os.path.relpath(out, ROOT)})
            print(f"    stopped at the memory budget: {fmt_s(w)}, {rss:.0f} MB; timing with --max-memory 0",
                  file=sys.stderr, flush=True)
            argv_ = argv_ + ["--max-memory", "0"]  # the files are in the page cache already
        elif rc not in (0, 1, 2):
            with open(out + ".stderr", errors="replace") as f:
                raise RuntimeError(f"{n} plans: exit {rc}\n{f.read()[-2000:]}")
        r = measure(f"{n:,} plans", argv_, d, runs, f"full-{n}", warmup=False)
        r.update(n=n, portfolio=info(d))
        results["full"].append(r)
        save(results)
        print(f"    {fmt_s(r['wall'])} (min {fmt_s(r['wall_min'])}, CPU {fmt_s(r['cpu'])}), {r['rss_mb']:.0f} MB; "
              f"findings {r['findings']}", file=sys.stderr, flush=True)

    md = render(results)
    print(md)
    save(results)
    with open(os.path.join(OUT, RESULTS_NAME + ".md"), "w") as f:
        f.write(md)
    return 0


def save(results):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, RESULTS_NAME + ".json"), "w") as f:
        json.dump(results, f, indent=1, default=str)


def ms(s):
    return f"{s * 1000:.1f} ms" if s < 1 else fmt_s(s)


def render(results):
    m = results["machine"]
    lines = [f"Run {m['date']} on {m['cpu']} ({m['cores']} cores, {m['memory']}), load at start "
             f"{m['load_at_start']:.2f}; {m['bcpcheck']} (engine and packs as of commit `{m['git']}`); as-of "
             f"{results['as_of']}, seed {results['seed']}.", ""]
    if results["full"]:
        lines += ["`bcpcheck check --format concise --as-of 2026-11-28`, run in the portfolio directory (every "
                  "document checked and in the workspace, all built-in packs):", "",
                  "| plans | MB (plans + register + BIA) | BIA processes | wall (median) | min | per plan "
                  "| time × previous row (10 = linear) | CPU (median) | peak RSS | findings | runs |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
        prev = None
        for r in results["full"]:
            p = r["portfolio"]
            mb = (p["plans_bytes"] + p["register_bytes"] + p["bia_bytes"]) / 1e6
            ratio = "–"
            if r["exit"] == [2]:
                ratio = "stopped at the memory budget"
            elif prev:
                ratio = (f"wall {r['wall'] / prev['wall']:.1f}, CPU {r['cpu'] / prev['cpu']:.1f} "
                         f"(×{r['n'] / prev['n']:g} plans)")
            found = ", ".join(f"{k} {v}" for k, v in r["findings"].items()) or "none"
            label = f"{r['n']:,}" + (" (default budget)" if r["exit"] == [2] else
                                     " (`--max-memory 0`)" if "--max-memory" in r["argv"] else "")
            lines.append(f"| {label} | {mb:.1f} | {p['bia_processes']:,} | {ms(r['wall'])} | {ms(r['wall_min'])} | "
                         f"{r['wall'] / r['n'] * 1000:.2f} ms | {ratio} | {ms(r['cpu'])} | {r['rss_mb']:.0f} MB | "
                         f"{found} | {r['runs']} |")
            if r["exit"] != [2]:
                prev = r
    if results["precommit"]:
        n = results["precommit"][0]["n"]
        lines += ["", f"Pre-commit: {n} plans + register + BIA, run in the portfolio directory, one staged plan "
                      "(`plans/plan-00001.yaml`); target < 50 ms:", "",
                  "| case | command (after `bcpcheck check`) | wall (median) | min | CPU (median) | peak RSS "
                  "| findings | runs |", "|---|---|---:|---:|---:|---:|---|---:|"]
        for r in results["precommit"]:
            cmd = " ".join(r["argv"][2:])
            found = ", ".join(f"{k} {v}" for k, v in r["findings"].items()) or "none"
            lines.append(f"| {r['label']} | `{cmd}` | {ms(r['wall'])} | {ms(r['wall_min'])} | {ms(r['cpu'])} | "
                         f"{r['rss_mb']:.0f} MB | {found} | {r['runs']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
