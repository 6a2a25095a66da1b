#!/usr/bin/env python3
"""Time ``kgclint check`` over a whole Linux tree, cold and warm cache, next to ``rg`` on the same tree.

Usage: bench/bench_tree.py LINUX_TREE [--select CODES] [--jobs N] [--keep-json DIR] [--edit FILE]

The results cache is keyed by kgclint's own sources, so in a work tree
others are editing run it from a snapshot, or the warm run is cold again:
``PYTHONPATH=SNAP:SITE_PACKAGES python -S bench/bench_tree.py ...`` with
SNAP holding copies of ``kgclint/`` and ``rules/`` (as ``kgclint_rules/``).

Prints, for each run: wall time, CPU time (user+sys of the child and its
workers), peak RSS (largest single process of that run, from ``wait4``),
files read and findings (per rule). The cold run uses a fresh temporary
cache directory; the warm run reuses it. With ``--edit FILE`` a third run
follows with a comment line appended to FILE (its bytes are restored
afterwards): a warm cache after an edit, as a developer meets it. ``rg`` lists the files that
mention section-related tokens, as the cheapest thing a person would run
instead. Measured numbers, not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

#: What ``rg`` looks for: the tokens that put things into named sections.
RG_PATTERN = r"__section|section\(|\.section|\.pushsection|__attribute__\(\(section|initcall|EXPORT_SYMBOL|__setup|early_param"


def timed(argv: list[str], cwd: Path | None = None) -> tuple[subprocess.CompletedProcess[bytes], float, float, int]:
    """Run ``argv`` in ``cwd``; (result, wall s, CPU s of it and its workers, peak RSS KiB of its largest process).

    ``wait4`` gives this one run's usage; ``getrusage(RUSAGE_CHILDREN)``
    would report the largest process of every earlier run too.
    """
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(argv, stdout=out, stderr=err, cwd=cwd)
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        done = subprocess.CompletedProcess(argv, os.waitstatus_to_exitcode(status), out.read(), err.read())
    return done, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def kgclint_run(tree: Path, cache: Path, select: str, jobs: int, out: Path) -> dict:
    flags = ["-S"] if sys.flags.no_site else []     # -S: a PYTHONPATH snapshot of kgclint, not the editable tree
    argv = [sys.executable, *flags, "-m", "kgclint", "check", str(tree), "--select", select, "--format", "json",
            "--cache-dir", str(cache), "--no-progress", "--exit-zero", "-o", str(out), "-j", str(jobs)]
    # not in the caller's folder: ``-m`` puts it first on sys.path, so a checkout there would
    # shadow the PYTHONPATH snapshot, and an edit to it mid-run would make the warm run cold
    done, wall, cpu, rss = timed(argv, cwd=out.parent)
    if done.stderr.strip():     # warnings (an unwritable cache makes the next run cold): never hidden
        sys.stderr.write(done.stderr.decode(errors="replace")[-4000:])
    if done.returncode != 0:
        raise SystemExit(f"kgclint failed with status {done.returncode}")
    report = json.loads(out.read_text())
    findings = report.get("findings", [])
    files = report.get("files") or report.get("summary", {}).get("files")
    return {
        "wall": wall, "cpu": cpu, "rss_mib": rss / 1024, "files": files,
        "findings": len(findings), "per_rule": Counter(f["code"] for f in findings),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", type=Path)
    parser.add_argument("--select", default="KGC1")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--keep-json", type=Path, default=None, help="keep the cold run's JSON report here")
    parser.add_argument("--edit", metavar="FILE", help="tree-relative file to append a comment to for a third run")
    args = parser.parse_args()
    tree = args.tree.resolve()
    sources = sum(1 for p in tree.rglob("*") if p.suffix in (".c", ".h", ".S") and p.is_file())
    print(f"tree: {tree} ({sources} .c/.h/.S files)")

    rg = shutil.which("rg")
    if rg:
        done, wall, cpu, _ = timed([rg, "-l", "-g", "*.[chS]", "-e", RG_PATTERN, str(tree)])
        listed = len(done.stdout.splitlines())
        print(f"rg:   wall {wall:7.2f} s  cpu {cpu:7.2f} s  files listed {listed}")
    with tempfile.TemporaryDirectory(prefix="kgclint-bench-") as tmp:
        cache = Path(tmp) / "cache"
        for label in ("cold", "warm", "edited") if args.edit else ("cold", "warm"):
            out = Path(tmp) / f"{label}.json"
            if label == "edited":
                edited = tree / args.edit
                original = edited.read_bytes()
                edited.write_bytes(original + b"\n/* kgclint bench edit */\n")
                try:
                    r = kgclint_run(tree, cache, args.select, args.jobs, out)
                finally:
                    edited.write_bytes(original)
            else:
                r = kgclint_run(tree, cache, args.select, args.jobs, out)
            rules = ", ".join(f"{k}: {v}" for k, v in sorted(r["per_rule"].items()))
            print(f"{label}: wall {r['wall']:7.2f} s  cpu {r['cpu']:7.2f} s  peak RSS {r['rss_mib']:7.0f} MiB  "
                  f"files {r['files']}  findings {r['findings']} ({rules})", flush=True)
            if label == "cold" and args.keep_json:
                args.keep_json.mkdir(parents=True, exist_ok=True)
                shutil.copy(out, args.keep_json / "findings.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
