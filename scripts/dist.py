#!/usr/bin/env python3
"""Release archives: the one place that knows their layout, used by the release workflow and by CI.

  dist.py archive --target TRIPLE --bin PATH --out DIR   pack one built binary as bcpcheck-TRIPLE.tar.gz (.zip on Windows)
  dist.py checksums DIR                                  write DIR/sha256.sum over every archive in DIR
  dist.py local [--out DIR]                              this machine's release build, packed and summed (CI's release)

An archive holds one directory, bcpcheck-TRIPLE/, with the binary, README.md and any LICENSE file: the layout
`[package.metadata.binstall]` in Cargo.toml and scripts/action-install.sh expect. Archives are reproducible (fixed
times, owners and order), so the same binary always gives the same checksum. Only the standard library is used:
it runs unchanged on the Linux, macOS and Windows runners.
"""
import argparse
import gzip
import hashlib
import io
import os
import re
import subprocess
import sys
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Archive members get this time (SOURCE_DATE_EPOCH when the build sets one): the same input, the same bytes.
EPOCH = int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))  # 1980-01-01, the earliest time zip can hold
ARCHIVE = re.compile(r"^bcpcheck-[A-Za-z0-9_.-]+\.(tar\.gz|zip)$")


def archive_name(target):
    """The archive's file name for a target triple: zip for Windows, tar.gz elsewhere."""
    return f"bcpcheck-{target}." + ("zip" if "windows" in target else "tar.gz")


def members(target, binary):
    """(name inside the archive, source path, executable) for every file the archive holds."""
    top = f"bcpcheck-{target}"
    exe = "bcpcheck.exe" if "windows" in target else "bcpcheck"
    files = [(f"{top}/{exe}", binary, True)]
    for extra in sorted(os.listdir(ROOT)):
        if extra == "README.md" or extra.startswith(("LICENSE", "LICENCE", "COPYING")):
            files.append((f"{top}/{extra}", os.path.join(ROOT, extra), False))
    return files


def write_archive(target, binary, out):
    """Pack `binary` (built for `target`) into `out`; returns the archive's path."""
    if not os.path.isfile(binary):
        sys.exit(f"dist.py: no binary at {binary}: build it first (cargo build --release --target {target})")
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, archive_name(target))
    files = members(target, binary)
    if path.endswith(".zip"):
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, src, executable in files:
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = (0o100755 if executable else 0o100644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                with open(src, "rb") as f:
                    z.writestr(info, f.read())
    else:
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for name, src, executable in files:
                info = tarfile.TarInfo(name)
                info.size = os.path.getsize(src)
                info.mtime = EPOCH
                info.mode = 0o755 if executable else 0o644
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                with open(src, "rb") as f:
                    tar.addfile(info, f)
        with open(path, "wb") as f, gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=EPOCH) as gz:
            gz.write(raw.getvalue())
    return path


def sha256(path):
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_checksums(directory):
    """Write `sha256.sum` (the format of `sha256sum`, one archive a line) over the archives in `directory`."""
    names = sorted(n for n in os.listdir(directory) if ARCHIVE.match(n))
    if not names:
        sys.exit(f"dist.py: no bcpcheck-*.tar.gz or .zip archives in {directory}")
    path = os.path.join(directory, "sha256.sum")
    with open(path, "w", encoding="ascii", newline="\n") as f:
        for name in names:
            f.write(f"{sha256(os.path.join(directory, name))}  {name}\n")
    return path


def host_target():
    """This machine's target triple, as rustc reports it."""
    out = subprocess.run(["rustc", "-vV"], check=True, capture_output=True, text=True).stdout
    return next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("host: "))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    one = sub.add_parser("archive", help="pack one built binary")
    one.add_argument("--target", required=True)
    one.add_argument("--bin", required=True)
    one.add_argument("--out", required=True)
    sums = sub.add_parser("checksums", help="write sha256.sum")
    sums.add_argument("directory")
    local = sub.add_parser("local", help="this machine's release directory")
    local.add_argument("--out", default=os.path.join(ROOT, "target", "dist"))
    args = ap.parse_args()

    if args.command == "archive":
        print(write_archive(args.target, args.bin, args.out))
    elif args.command == "checksums":
        print(write_checksums(args.directory))
    else:
        # Reuses the release build .ci/run has already made (same profile, same flags: nothing recompiles).
        subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], check=True, cwd=ROOT)
        target = host_target()
        exe = "bcpcheck.exe" if os.name == "nt" else "bcpcheck"
        target_dir = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        os.makedirs(args.out, exist_ok=True)
        for stale in os.listdir(args.out):
            if ARCHIVE.match(stale) or stale == "sha256.sum":
                os.remove(os.path.join(args.out, stale))
        print(write_archive(target, os.path.join(target_dir, "release", exe), args.out))
        print(write_checksums(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
