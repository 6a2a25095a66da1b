"""Preprocess and parse every ``*.lds.S`` of a Linux tree, per arch, with and without a configuration.

Usage: python bench/bench_lds_tree.py LINUX_TREE BUILDS [--verbose]

``BUILDS/<arch>-defconfig`` are ``make ARCH=<arch> O=BUILDS/<arch>-defconfig
defconfig`` directories (host tools only); an arch without one is parsed in
the all-branches mode only and listed as lacking a configuration. Prints
"parsed N/M (script x arch x mode)" with the time, then every failure.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from kgclint.analysis.scripts import ScriptIndex
from kgclint.frontends.lds_file import parse
from kgclint.inputs import InputKind, SourceInput
from kgclint.project import Options, Project

MODES = ("config", "all-branches")


def scripts_of(root: Path, arch: str) -> list[str]:
    """The arch's linker scripts plus the module script every arch uses."""
    paths = sorted(str(p.relative_to(root)) for p in (root / "arch" / arch).rglob("*.lds.S"))
    return paths + ["scripts/module.lds.S"]


def project_for(root: Path, arch: str, build_dir: Path | None) -> Project:
    facts = [parse(SourceInput(p, (root / p).read_bytes(), arch)) for p in scripts_of(root, arch)]
    return Project(root, Options(arch=arch, build_dir=build_dir), {InputKind.LINKER_SCRIPT: facts})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", type=Path)
    parser.add_argument("builds", type=Path)
    parser.add_argument("--verbose", action="store_true", help="print each script's description count and notes")
    args = parser.parse_args()
    arches = sorted(p.name for p in (args.tree / "arch").iterdir() if p.is_dir())
    total = ok = 0
    failures: list[tuple[str, ...]] = []
    start = time.perf_counter()
    for mode in MODES:
        for arch in arches:
            build_dir = args.builds / f"{arch}-defconfig"
            if mode == "config" and not (build_dir / "include/generated/autoconf.h").exists():
                failures.append((mode, arch, "-", "no defconfig build directory"))
                continue
            project = project_for(args.tree, arch, build_dir if mode == "config" else None)
            for info in project.analysis(ScriptIndex).scripts:
                total += 1
                if info.diagnostics:
                    first = info.diagnostics[0]
                    failures.append((mode, arch, info.path, f"{first.location}: {first.message}"))
                else:
                    ok += 1
                if args.verbose:
                    notes = "; ".join(note[:90] for note in info.notes)[:300]
                    print(mode, arch, info.path, "descriptions:", len(info.model.descriptions), "notes:", notes)
    print(f"parsed {ok}/{total} (script x arch x mode) in {time.perf_counter() - start:.1f}s")
    for failure in failures:
        print(" FAIL", *failure)


if __name__ == "__main__":
    main()
