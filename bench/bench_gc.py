"""Time kgclint's --gc-sections simulation against the real linker on the same inputs, in one run.

Usage: python bench/bench_gc.py BUILD_DIR [--linker bfd|lld] [--repeat N] [--linker-script S]

BUILD_DIR is a Kbuild O= directory with a finished vmlinux link (e.g. the
ARM allnoconfig + LD_DEAD_CODE_DATA_ELIMINATION build). The linker is run
with the command Kbuild recorded (.vmlinux.o.cmd inputs, .vmlinux.cmd
flags, arch/*/kernel/vmlinux.lds), output to a temporary file. kgclint runs
in a child process so its peak RSS is its own. Printed: the best of N
wall times for each, their ratios (target <= 1.0), and kgclint's peak RSS
against the size of the files it reads (target <= 4x).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
from kgclint.analysis.gc import ProjectLink
from kgclint.project import Options, Project
t1 = time.perf_counter()
build = Path(sys.argv[1]).resolve()
project = Project(build, Options(linker=sys.argv[2], build_dir=build), {})
link = project.analysis(ProjectLink)
t2 = time.perf_counter()
result = link.result()
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "read": t2 - t1, "simulate": t3 - t2, "dropped": len(result.dropped()),
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def linker_argv(build: Path, linker: str, output: str, script: str | None = None) -> list[str]:
    """The recorded vmlinux link, with GC, writing ``output`` (``script`` replaces the linker's -T)."""
    from kgclint.builddir import _saved_command, vmlinux_link

    link = vmlinux_link(build)
    flags = _saved_command(build / ".vmlinux.cmd")
    ld = "ld.lld" if linker == "lld" else flags[1]
    words = " ".join(flags[2:]).split()
    if linker == "lld":
        words = [w for w in words if w != "--no-warn-rwx-segments"]
    if "--gc-sections" not in words:
        words.append("--gc-sections")
    argv = [ld, *words, f"--script={script or link.script}", "-o", output, "--whole-archive"]
    whole = [i.path for i in link.items if i.whole]
    lazy = [i.path for i in link.items if not i.whole]
    return [*argv, *whole, "--no-whole-archive", "--start-group", *lazy, "--end-group"]


def input_bytes(build: Path) -> int:
    """Bytes of every file the simulation reads: the script, archives, thin members, objects."""
    from kgclint.builddir import vmlinux_link
    from kgclint.elf.archive import read_archive

    link = vmlinux_link(build)
    total = (build / link.script).stat().st_size if link.script else 0
    for item in link.items:
        path = build / item.path
        total += path.stat().st_size
        if item.path.endswith(".a"):
            facts = read_archive(path.read_bytes(), item.path)
            if facts.thin:
                total += sum((path.parent / m.name).stat().st_size for m in facts.members)
    return total


def best(times: list[float]) -> float:
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build_dir", type=Path)
    parser.add_argument("--linker", choices=("bfd", "lld"), default="bfd")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--linker-script", help="script the linker gets instead of the build's (e.g. one ld.lld 14 can parse)")
    args = parser.parse_args()
    build = args.build_dir.resolve()
    ld_times: list[float] = []
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        argv = linker_argv(build, args.linker, os.path.join(tmp, "vmlinux"), args.linker_script)
        # Interleaved, so a busy moment of a shared machine hits both alike; the best of N is kept.
        for _ in range(args.repeat):
            start = time.perf_counter()
            done = subprocess.run(argv, cwd=build, capture_output=True, text=True)
            ld_times.append(time.perf_counter() - start)
            if done.returncode != 0:
                print(f"linker failed: {done.stderr[:2000]}", file=sys.stderr)
                return 2
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", CHILD, str(build), args.linker], capture_output=True, text=True)
            wall = time.perf_counter() - start
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 2
            data = json.loads(done.stdout)
            data["wall"] = wall
            runs.append(data)
    ld = best(ld_times)
    sim = best([r["simulate"] for r in runs])
    read_sim = best([r["read"] + r["simulate"] for r in runs])
    wall = best([r["wall"] for r in runs])
    rss = max(r["maxrss_kib"] for r in runs) * 1024
    size = input_bytes(build)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"build dir: {build}  linker: {args.linker}  sections dropped (kgclint): {runs[0]['dropped']}")
    print(f"linker --gc-sections link:        {ld:7.3f} s")
    print(f"kgclint simulate (facts in hand): {sim:7.3f} s   ratio {sim / ld:5.2f}")
    print(f"kgclint read ELF + simulate:      {read_sim:7.3f} s   ratio {read_sim / ld:5.2f}")
    print(f"kgclint whole process:            {wall:7.3f} s   ratio {wall / ld:5.2f}")
    print(f"input size: {size / 2**20:.1f} MiB  kgclint peak RSS: {rss / 2**20:.1f} MiB  ratio {rss / size:.2f}"
          f"  (a bare interpreter of this bench: {baseline / 2**20:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
