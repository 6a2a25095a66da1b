"""Section-mismatch check: kgclint per object vs. Kbuild's ``ld -r`` (vmlinux.o) plus modpost, same run.

Usage: bench_mismatch.py BUILD_DIR [-j JOBS] [--repeat N] [--inject OBJ] [--inject-demo]

BUILD_DIR is a finished Kbuild ``O=`` directory. The baseline runs the
exact commands Kbuild recorded there (``.vmlinux.o.cmd`` and
``.vmlinux.symvers.cmd``) in a scratch directory. kgclint reads the same
inputs the recorded link reads (the thin ``vmlinux.a`` in whole, the
``--start-group`` archives as archives, members extracted as ld does),
checks each object in a process pool, and resolves cross-object references
through the definition index; "warm" repeats the check on facts already in
memory, as a run with kgclint's cache has them. Prints timings and the
agreement: references both report, only modpost, only kgclint.

``--inject OBJ`` adds one more object to the whole-archive part of both
links (e.g. one compiled with references into the kernel's real init
sections), since a clean upstream build has no mismatch to agree on.
``--inject-demo`` compiles ``DEMO`` below with the build's own compiler
(the prefix of its recorded ``ld``) and injects it: references into the
real ``.init.text``/``.init.data`` of other objects, plus references
modpost's whitelist allows.
"""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from kgclint.analysis.mismatch import Mismatch, ObjectSummary, check_object, index_of, needs_cross_check, summarize
from kgclint.elf.archive import read_archive
from kgclint.elf.reader import read_object
from kgclint.kbuild.archives import extract

BUILD: Path = Path()

#: Real 6.12 init symbols on every arch (drivers/base, fs/char_dev.c, init/main.c); whitelisted cases too.
DEMO = r"""
extern int classes_init(void);
extern int chrdev_init(void);
extern void start_kernel(void);
extern char boot_command_line[];
struct ops { int (*fn)(void); };
int demo_calls_init(void) { classes_init(); return chrdev_init(); }
char demo_reads_initdata(void) { return boot_command_line[0]; }
void demo_calls_start_kernel(void) { start_kernel(); }
struct ops demo_table = { chrdev_init };
struct ops demo_probe = { chrdev_init };
struct ops demo_ops = { classes_init };
__attribute__((section(".ref.text"))) int demo_ref(void) { return classes_init(); }
__attribute__((section(".init.text"))) int demo_init(void) { return classes_init(); }
"""


def demo_object(build: Path, scratch: Path) -> str:
    """DEMO compiled with the build's compiler, as the build's link would take it."""
    linker = recorded(build, "vmlinux.o")[0]
    gcc = linker[: -len("ld")] + "gcc"
    source = scratch / "kgclint_mismatch_demo.c"
    source.write_text(DEMO)
    out = scratch / "kgclint_mismatch_demo.o"
    subprocess.run([gcc, "-O2", "-ffunction-sections", "-fno-inline", "-c", str(source), "-o", str(out)], check=True)
    return str(out)


def recorded(build: Path, target: str) -> list[str]:
    """The command Kbuild saved for a target (``savedcmd_<target> := …``)."""
    text = (build / f".{target}.cmd").read_text()
    return shlex.split(text.split(":=", 1)[1])


def baseline(build: Path, scratch: Path, inject: list[str]) -> tuple[float, float, list[str]]:
    """Time Kbuild's own ld -r and modpost; return (ld seconds, modpost seconds, modpost's mismatch lines)."""
    ld = recorded(build, "vmlinux.o")
    out = scratch / "vmlinux.o"
    ld[ld.index("-o") + 1] = str(out)
    at = ld.index("--no-whole-archive")
    ld[at:at] = inject
    start = time.perf_counter()
    subprocess.run(ld, cwd=build, check=True, capture_output=True)
    ld_time = time.perf_counter() - start
    modpost = recorded(build, "vmlinux.symvers")
    modpost[0] = str(build / modpost[0])
    modpost[modpost.index("-o") + 1] = str(scratch / "vmlinux.symvers")
    start = time.perf_counter()
    done = subprocess.run(modpost, cwd=scratch, capture_output=True, text=True)
    modpost_time = time.perf_counter() - start
    return ld_time, modpost_time, sorted(re.findall(r"section mismatch in reference: (.*)", done.stderr))


def link_inputs(build: Path, inject: list[str]) -> tuple[list[str], list[str]]:
    """(objects linked in whole, archives linked as a group), from the recorded vmlinux.o link."""
    argv = recorded(build, "vmlinux.o")
    whole = argv[argv.index("--whole-archive") + 1:argv.index("--no-whole-archive")]
    group = argv[argv.index("--start-group") + 1:argv.index("--end-group")]
    objects: list[str] = []
    for name in whole:
        archive = read_archive((build / name).read_bytes(), name)
        objects += [m.path for m in archive.members if m.path]
    return objects + inject, group


def _summary(path: str) -> ObjectSummary:
    facts = read_object((BUILD / path).read_bytes(), path)
    return summarize(facts, _section_reader)


def _section_reader(facts, index: int) -> bytes | None:
    from elftools.elf.elffile import ELFFile

    with (BUILD / facts.path).open("rb") as stream:
        return ELFFile(stream).get_section(index).data()


def _init(build: Path) -> None:
    global BUILD
    BUILD = build


def kgclint_cold(build: Path, jobs: int, inject: list[str]) -> tuple[float, list[Mismatch], int]:
    """Read and check every object the link takes, in a pool; resolve across objects at the end."""
    start = time.perf_counter()
    whole, group = link_inputs(build, inject)
    members: list[str] = []
    for name in group:
        archive = read_archive((build / name).read_bytes(), name)
        for member in archive.members:
            if member.path:
                members.append(member.path)
            else:  # a regular archive keeps its members' bytes: write none, check through facts
                raise SystemExit(f"{name}: regular archives are not benchmarked (Kbuild's are thin)")
    with ProcessPoolExecutor(jobs, initializer=_init, initargs=(build,)) as pool:
        summaries = list(pool.map(_summary, whole + members, chunksize=16))
    by_path = {s.path: s for s in summaries}
    whole_sets = [(set(a for a, _ in by_path[p].strong) | set(a for a, _ in by_path[p].weak), by_path[p].references)
                  for p in whole]
    member_sets = [(p, set(a for a, _ in by_path[p].strong) | set(a for a, _ in by_path[p].weak), by_path[p].references)
                   for p in members]
    taken = set(extract(whole_sets, member_sets))
    linked = [by_path[p] for p in whole] + [by_path[p] for p in members if p in taken]
    index = index_of(linked)
    found: list[Mismatch] = []
    for summary in linked:
        if needs_cross_check(summary, index):
            facts = read_object((build / summary.path).read_bytes(), summary.path)
            _init(build)
            found += check_object(facts, index, _section_reader)
        else:
            found += summary.local
    return time.perf_counter() - start, found, len(linked)


def kgclint_warm(build: Path, inject: list[str]) -> float:
    """The check alone on facts already read (a cached run): index, then each object."""
    whole, group = link_inputs(build, inject)
    paths = whole + [m.path for name in group for m in read_archive((build / name).read_bytes(), name).members]
    facts = [read_object((build / p).read_bytes(), p) for p in paths]
    _init(build)
    start = time.perf_counter()
    from kgclint.analysis.mismatch import definition_index

    index = definition_index(facts)
    for f in facts:
        check_object(f, index, _section_reader)
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("build", type=Path)
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--inject", type=Path, action="append", default=[])
    parser.add_argument("--inject-demo", action="store_true")
    args = parser.parse_args(argv)
    build = args.build.resolve()
    inject = [str(p.resolve()) for p in args.inject]
    demo_dir = Path(tempfile.mkdtemp(prefix="kgclint-demo-"))
    if args.inject_demo:
        inject.append(demo_object(build, demo_dir))
    ld_times, modpost_times, cold_times, warm_times = [], [], [], []
    modpost: list[str] = []
    ours: list[Mismatch] = []
    objects = 0
    for _ in range(args.repeat):
        scratch = Path(tempfile.mkdtemp(prefix="kgclint-bench-"))
        try:
            ld_time, modpost_time, modpost = baseline(build, scratch, inject)
        finally:
            shutil.rmtree(scratch)
        ld_times.append(ld_time)
        modpost_times.append(modpost_time)
        cold, ours, objects = kgclint_cold(build, args.jobs, inject)
        cold_times.append(cold)
        warm_times.append(kgclint_warm(build, inject))
    shutil.rmtree(demo_dir)
    median = statistics.median
    print(f"build: {build} ({objects} objects in the link{', injected: ' + ' '.join(inject) if inject else ''})")
    print(f"ld -r vmlinux.o:        {median(ld_times):.3f} s (median of {args.repeat})")
    print(f"modpost on vmlinux.o:   {median(modpost_times):.3f} s")
    print(f"  baseline total:       {median(ld_times) + median(modpost_times):.3f} s")
    print(f"kgclint, cold, -j{args.jobs}:     {median(cold_times):.3f} s (read every object, check, resolve)")
    print(f"kgclint, warm (cached): {median(warm_times):.3f} s (check only, facts in memory)")
    texts = sorted(m.modpost_text() for m in ours)
    both = sorted(set(texts) & set(modpost))
    only_modpost = sorted(set(modpost) - set(texts))
    only_kgclint = sorted(set(texts) - set(modpost))
    print(f"mismatches: modpost {len(modpost)}, kgclint {len(texts)}; both {len(both)}, "
          f"only modpost {len(only_modpost)}, only kgclint {len(only_kgclint)}")
    for line in only_modpost:
        print(f"  only modpost: {line}")
    for line in only_kgclint:
        print(f"  only kgclint: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
