#!/usr/bin/env python3
"""Every pinned bcpcheck version equals Cargo.toml's: Cargo.lock, the wheel (python/pyproject.toml, a built wheel),
the pre-commit hooks' pin (setup.py), the action (it reads Cargo.toml; nothing in it may pin another version) and
the versions the README tells users to pin. Optionally a release tag and built artifacts too.

  check-versions.py [--tag vX.Y.Z] [--wheel FILE ...] [--binary PATH ...]

Exit 0 when all agree, 1 listing every disagreement (file: what it says, what Cargo.toml says).
"""
import argparse
import os
import re
import subprocess
import sys

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    tomllib = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VERSION = r"[0-9]+\.[0-9]+\.[0-9]+(?:[-.+][0-9A-Za-z.-]+)?"


def read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def cargo_version():
    text = read("Cargo.toml")
    if tomllib:
        return tomllib.loads(text)["package"]["version"]
    return re.search(r'^version = "(.*)"$', text, re.M).group(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tag", help="a release tag, vX.Y.Z")
    ap.add_argument("--wheel", action="append", default=[], help="a built wheel file")
    ap.add_argument("--binary", action="append", default=[], help="a built bcpcheck binary")
    args = ap.parse_args()

    want = cargo_version()
    problems = []
    seen = []

    def expect(where, got):
        seen.append(where)
        if got != want:
            problems.append(f"{where}: {got or 'nothing'}, Cargo.toml says {want}")

    # Cargo.lock's own entry.
    lock = re.search(r'\[\[package\]\]\nname = "bcpcheck"\nversion = "([^"]+)"', read("Cargo.lock"))
    expect("Cargo.lock", lock.group(1) if lock else None)

    # The wheel takes Cargo.toml's version (dynamic); a literal one would drift.
    pyproject = read("python/pyproject.toml")
    if tomllib:
        project = tomllib.loads(pyproject)["project"]
        if "version" in project:
            expect("python/pyproject.toml [project] version", project["version"])
        elif "version" not in project.get("dynamic", []):
            problems.append("python/pyproject.toml: version is neither set nor dynamic")
        else:
            seen.append("python/pyproject.toml (dynamic: Cargo.toml)")

    # The pre-commit hooks install bcpcheck==X from PyPI.
    pins = re.findall(r"bcpcheck==(" + VERSION + ")", read("setup.py"))
    if not pins:
        problems.append("setup.py: no bcpcheck==VERSION requirement")
    for pin in pins:
        expect("setup.py bcpcheck==", pin)

    # The action downloads the version it reads from its own Cargo.toml at run time: no second source to drift.
    install = read("scripts/action-install.sh")
    if 'want="$(field version)"' not in install or 'manifest="$GITHUB_ACTION_PATH/Cargo.toml"' not in install:
        problems.append("scripts/action-install.sh: no longer takes its version from the action's Cargo.toml")
    else:
        seen.append("action (reads Cargo.toml)")
    for rel in ["action.yml", "scripts/action-install.sh", ".pre-commit-hooks.yaml"]:
        for got in re.findall(r"(?:bcpcheck[@=-]+v?|download/v)(" + VERSION + ")", read(rel)):
            expect(f"{rel} (pinned version)", got)

    # What the README tells users to pin: the action's tag, the hooks' rev, pip/cargo versions, release URLs.
    readme = read("README.md")
    patterns = [
        r"bcpcheck@v(" + VERSION + ")",  # uses: OWNER/bcpcheck@vX
        r"rev: v(" + VERSION + ")",  # pre-commit
        r"bcpcheck==(" + VERSION + ")",  # pip
        r"bcpcheck@(" + VERSION + ")",  # cargo install / binstall bcpcheck@X
        r"download/v(" + VERSION + ")/",  # release archive URLs
        r"--version[ =]\"?(" + VERSION + ")",
    ]
    for pattern in patterns:
        for got in re.findall(pattern, readme):
            expect(f"README.md ({pattern.split('(')[0]}...)", got)

    if args.tag is not None:
        expect(f"tag {args.tag}", args.tag[1:] if args.tag.startswith("v") else f"(no v) {args.tag}")
    for wheel in args.wheel:
        # name-version-pythontag-abitag-platform.whl
        parts = os.path.basename(wheel).split("-")
        expect(f"wheel {os.path.basename(wheel)}", parts[1] if len(parts) >= 5 else None)
    for binary in args.binary:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False).stdout.split()
        expect(f"{binary} --version", out[1] if len(out) > 1 else None)

    if problems:
        print("versions disagree with Cargo.toml (" + want + "):")
        for p in problems:
            print("  " + p)
        print("fix: make them all " + want + " (or bump Cargo.toml and every pin together)")
        return 1
    print(f"versions: all {len(seen)} pins equal {want} ({', '.join(sorted(set(s.split(' (')[0] for s in seen)))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
