"""``kgclint gc``: print kgclint's simulated ``--gc-sections`` result in the linker's own words.

``kgclint gc --print-gc-sections --linker bfd --script S a.o lib.a`` prints
what ``ld --gc-sections --print-gc-sections -T S a.o lib.a`` would print,
so anyone can ``diff`` the two; ``--compare FILE`` does the diff itself
against a saved linker output and says which sections both drop, only the
linker drops, or only kgclint drops (exit 1 when they differ).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kgclint.analysis.gc import (
    GcOptions,
    GcResult,
    LinkInput,
    archive_input,
    load_script,
    object_input,
    removed_lines,
    simulate,
)
from kgclint.findings import Diagnostic

MARK = "removing unused section "


def add_link_arguments(parser: argparse.ArgumentParser) -> None:
    """Options that describe a link: a build directory, or a script and inputs in link order."""
    parser.add_argument("inputs", nargs="*", type=Path, help="objects and archives, in link order")
    parser.add_argument("--build-dir", type=Path, metavar="O", help="a Kbuild O= directory: simulate its vmlinux link")
    parser.add_argument("--script", "-T", type=Path, help="the (preprocessed) linker script")
    parser.add_argument("--linker", choices=("bfd", "lld"), default=None, help="GNU ld (default) or ld.lld semantics")
    parser.add_argument("--entry", "-e", help="entry symbol (default: the script's ENTRY)")
    parser.add_argument("--undefined", "-u", action="append", default=[], metavar="SYMBOL", help="-u/--require-defined symbol (repeatable)")
    parser.add_argument("-z", dest="z", action="append", default=[], choices=("start-stop-gc", "nostart-stop-gc"), help="the linker's -z start-stop-gc option")
    parser.add_argument("--whole-archive", action="store_true", help="link every archive given whole")


def simulate_from_args(args: argparse.Namespace) -> tuple[GcResult, list[Diagnostic]]:
    """Run the simulation the arguments describe."""
    if args.build_dir is not None:
        from kgclint.analysis.gc import ProjectLink
        from kgclint.builddir import vmlinux_link
        from kgclint.project import Options, Project

        if not args.build_dir.is_dir():
            raise SystemExit(f"kgclint {args.command}: {args.build_dir}: not a directory")
        recorded = vmlinux_link(args.build_dir)
        if not recorded.items:
            raise SystemExit(f"kgclint {args.command}: {args.build_dir}: no vmlinux link recorded "
                             "(no .vmlinux.o.cmd or vmlinux.a: not a finished Kbuild O= directory)")
        linker = args.linker or recorded.linker
        project = Project(args.build_dir.resolve(), Options(linker=linker, build_dir=args.build_dir.resolve()), {})
        link = project.analysis(ProjectLink)
        return link.result(linker), list(link.diagnostics) + list(link.result(linker).diagnostics)
    linker = args.linker or "bfd"
    diagnostics: list[Diagnostic] = []
    inputs: list[LinkInput] = []
    for path in [*args.inputs, *([args.script] if args.script else [])]:
        if not path.is_file():
            raise SystemExit(f"kgclint {args.command}: {path}: no such file")
    if not args.inputs:
        raise SystemExit(f"kgclint {args.command}: give objects and archives, or --build-dir")
    for path in args.inputs:
        if path.read_bytes()[:8] in (b"!<arch>\n", b"!<thin>\n"):
            archive, diags = archive_input(path, str(path), whole=args.whole_archive)
            inputs.append(archive)
            diagnostics += diags
        else:
            obj = object_input(path, str(path))
            inputs.append(obj)
            diagnostics += obj.facts.diagnostics
    model = None
    if args.script is not None:
        model, diags = load_script(args.script, linker)
        diagnostics += diags
    z = None
    if args.z:
        z = args.z[-1] == "start-stop-gc"
    options = GcOptions(linker=linker, entry=args.entry, undefined=tuple(args.undefined), start_stop_gc=z)
    return simulate(inputs, model, options), diagnostics


def normalise(text: str) -> list[str]:
    """The ``removing unused section ...`` lines of a linker's output, without the program-name prefix."""
    out = []
    for line in text.splitlines():
        at = line.find(MARK)
        if at >= 0:
            out.append(line[at:].rstrip())
    return out


def compare(mine: list[str], theirs: list[str]) -> tuple[set[str], set[str], set[str]]:
    """(both, only the linker, only kgclint) over normalised lines."""
    a, b = set(mine), set(theirs)
    return a & b, b - a, a - b


def add_parser(subparsers) -> None:
    """Register ``kgclint gc``."""
    parser = subparsers.add_parser("gc", help="print the simulated --gc-sections result in the linker's own format")
    add_link_arguments(parser)
    parser.add_argument("--print-gc-sections", action="store_true", help="print removed sections as the linker does (the default output)")
    parser.add_argument("--compare", type=Path, metavar="FILE", help="compare with a saved --print-gc-sections output of the real link")
    parser.set_defaults(func=run, command="gc")


def run(args: argparse.Namespace) -> int:
    """Simulate, then print or compare."""
    result, diagnostics = simulate_from_args(args)
    for d in diagnostics:
        print(f"kgclint gc: {d.message}", file=sys.stderr)
    lines = removed_lines(result)
    if args.compare is None:
        for line in lines:
            print(line)
        return 0
    theirs = normalise(args.compare.read_text(encoding="utf-8", errors="replace"))
    both, only_linker, only_kgclint = compare(normalise("\n".join(lines)), theirs)
    print(f"both drop: {len(both)}  only the linker drops: {len(only_linker)}  only kgclint drops: {len(only_kgclint)}")
    for line in sorted(only_linker):
        print(f"only linker:  {line}")
    for line in sorted(only_kgclint):
        print(f"only kgclint: {line}")
    return 0 if not only_linker and not only_kgclint else 1
