#!/usr/bin/env python3
"""The cost of `bcpcheck due` against a plain `check` of the same plans (issue 18: at most 3x).

    python3 bench/due.py                                # 1,000 plans, --within 365d, 3 runs
    python3 bench/due.py --n 100 --within 90d --runs 5
    python3 bench/due.py --bin /tmp/old/bcpcheck        # another build

Generates bench/out/due-N/ (bench/gen_corpus.py, seed 37; ignored by git) unless present, then runs, after one
warm-up run each, `check --as-of DATE --format json --fail-on never` and `due --as-of DATE --within W --format json`
--runs times, alternating. Measures wall time around the process and CPU (user+sys) and peak RSS from wait4.
Prints a Markdown table of medians and the ratios due/check. Standard library only.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(argv: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one run of argv."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(argv)}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="plans to generate (default 1000)")
    parser.add_argument("--within", default="365d", help="the due window (default 365d)")
    parser.add_argument("--as-of", default="2026-12-06", help="first day (default 2026-12-06)")
    parser.add_argument("--runs", type=int, default=3, help="measured runs of each command (default 3)")
    parser.add_argument("--bin", default=str(ROOT / "target/release/bcpcheck"), help="the binary")
    args = parser.parse_args()

    corpus = ROOT / "bench/out" / f"due-{args.n}"
    if not corpus.is_dir():
        subprocess.run(
            [sys.executable, str(ROOT / "bench/gen_corpus.py"), "--n", str(args.n), "--seed", "37",
             "--out", str(corpus)],
            check=True, stdout=subprocess.DEVNULL,
        )
    out = ROOT / "bench/out"
    commands = {
        "check": [args.bin, "check", "--as-of", args.as_of, "--format", "json", "--fail-on", "never",
                  "-o", str(out / "due-check.json"), str(corpus)],
        f"due --within {args.within}": [args.bin, "due", "--as-of", args.as_of, "--within", args.within,
                                        "--format", "json", "-o", str(out / "due-due.json"), str(corpus)],
    }
    results: dict[str, list[tuple[float, float, int]]] = {name: [] for name in commands}
    for name, argv in commands.items():
        measure(argv)  # warm-up: file cache
    for _ in range(args.runs):
        for name, argv in commands.items():
            results[name].append(measure(argv))

    medians = {
        name: tuple(statistics.median(run[i] for run in runs) for i in range(3)) for name, runs in results.items()
    }
    check = medians["check"]
    print(f"{args.n} plans, as of {args.as_of}, median of {args.runs} runs, load {os.getloadavg()[0]:.1f}\n")
    print("| command | wall | CPU | peak RSS | x check (wall / CPU) |")
    print("|---|---:|---:|---:|---:|")
    for name, (wall, cpu, rss) in medians.items():
        print(f"| `{name}` | {wall:.2f} s | {cpu:.2f} s | {rss:.0f} MB | {wall / check[0]:.2f} / {cpu / check[1]:.2f} |")


if __name__ == "__main__":
    main()
