"""``kgclint audit --arch ARCH``: may this arch select HAVE_LD_DEAD_CODE_DATA_ELIMINATION?

Reads the arch's linker scripts and the sources linked into its image
(every top-level source folder of the tree and ``arch/<ARCH>/``; not other
arches, nor the trees of host programs and documentation), and prints one
row per table, range and entry point with its status, evidence, breakage
and fix (kgclint.audit), as Markdown, JSON or an HTML page.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from kgclint.discovery import SKIPPED_DIRS, discover, find_root
from kgclint.engine import load_inputs, project_from
from kgclint.inputs import InputKind
from kgclint.options import UsageError, load_run_config, run_setup

#: Top-level folders of a kernel tree whose code is never linked into the image (host tools, docs, examples).
NOT_IMAGE = frozenset({"tools", "scripts", "Documentation", "samples", "usr", "LICENSES"})
KINDS = frozenset({InputKind.C, InputKind.ASM, InputKind.LINKER_SCRIPT})


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "audit", help="arch readiness for --gc-sections: every table, range and entry point of an arch's scripts",
        description="Audit an architecture's linker scripts for linker garbage collection "
                    "(HAVE_LD_DEAD_CODE_DATA_ELIMINATION): status, evidence, breakage and fix of every table.",
    )
    parser.add_argument("--arch", required=True, help="the architecture to audit (arch/<ARCH>/)")
    parser.add_argument("--build-dir", type=Path, metavar="O", help="a Kbuild O= build directory (its .config and generated scripts)")
    parser.add_argument("--config", dest="kconfig", type=Path, metavar="FILE", help="a Kbuild .config (without it every #if branch is considered)")
    parser.add_argument("--linker", choices=("bfd", "lld"), help="GC semantics of GNU ld (bfd, default) or ld.lld")
    parser.add_argument("--format", choices=("md", "json", "html"), default="md", help="report format (default md)")
    parser.add_argument("--output", "-o", type=Path, metavar="FILE", help="write the report to FILE")
    parser.add_argument("--root", type=Path, help="top of the tree (default: found from the current folder)")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="parallel workers")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the results cache")
    parser.add_argument("--cache-dir", type=Path, help="results cache directory")
    parser.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    parser.set_defaults(func=run)


def image_paths(root: Path, arch: str) -> list[Path]:
    """The folders whose sources can be linked into ``arch``'s image."""
    if not (root / "arch" / arch).is_dir():
        raise UsageError(f"{root / 'arch' / arch}: no such architecture in the tree")
    paths = [root / "arch" / arch]
    for entry in sorted(root.iterdir()):
        if entry.is_dir() and entry.name not in NOT_IMAGE | SKIPPED_DIRS | {"arch"} and not entry.name.startswith("."):
            paths.append(entry)
    return paths


def run(args: argparse.Namespace) -> int:
    from kgclint.audit.build import build_audit
    from kgclint.audit.render import RENDERERS

    root = (args.root or find_root([Path.cwd()])).resolve()
    config = load_run_config(root)
    for path in (args.build_dir, args.kconfig):
        if path is not None and not path.exists():
            raise UsageError(f"{path}: no such file or directory")
    options, settings = run_setup(args, config, args.arch)
    files, _problems = discover(root, image_paths(root, args.arch), KINDS, config.excluded)
    loaded = load_inputs(root, files, options, settings)
    for warning in loaded.warnings:
        sys.stderr.write(f"kgclint: warning: {warning}\n")
    project = project_from(root, options, loaded)
    audit = build_audit(project, args.arch)
    audit.files = len(files)
    text = RENDERERS[args.format](audit, root)
    if args.output is not None:
        from kgclint.atomic import atomic_write

        atomic_write(args.output, text.encode("utf-8"))
    else:
        sys.stdout.write(text)
    return 0
