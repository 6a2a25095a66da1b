"""The options every linting command shares (check, diff, audit …), and turning them into a request.

Command-line values override the configuration file, which overrides the
defaults; ``--select`` replaces the configured selection while ``--ignore``
and ``--extend-select`` add to it.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from kgclint.baseline import Baseline
from kgclint.cache import default_cache_dir
from kgclint.checker import CheckRequest
from kgclint.config import Config, find_config, load_config
from kgclint.discovery import find_root
from kgclint.engine import EngineSettings
from kgclint.project import Options
from kgclint.selection import Selection, split_codes


class UsageError(Exception):
    """A command line or configuration the run cannot start with (exit status 2)."""


def add_lint_options(parser: argparse.ArgumentParser) -> None:
    """Options for choosing rules, target, scheduling, caching and output."""
    group = parser.add_argument_group("rules")
    group.add_argument("--select", action="append", metavar="CODES", help="run only codes with these prefixes (comma-separated; longest prefix wins)")
    group.add_argument("--ignore", action="append", default=[], metavar="CODES", help="do not report codes with these prefixes")
    group.add_argument("--extend-select", action="append", default=[], metavar="CODES", help="add code prefixes to the selection")
    target = parser.add_argument_group("target")
    target.add_argument("--arch", help="architecture of the inputs (default: from arch/<name>/ in each path)")
    target.add_argument("--linker", choices=("bfd", "lld"), help="GC semantics of GNU ld (bfd, default) or ld.lld")
    target.add_argument("--build-dir", type=Path, metavar="O", help="a Kbuild O= build directory (generated scripts, .config, objects)")
    target.add_argument("--config", dest="kconfig", type=Path, metavar="FILE", help="a Kbuild .config (without it every #if branch is considered)")
    target.add_argument("--root", type=Path, help="top of the tree (default: found from the paths)")
    run = parser.add_argument_group("run")
    run.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="parallel workers (default: number of cores)")
    run.add_argument("--no-cache", action="store_true", help="neither read nor write the results cache")
    run.add_argument("--cache-dir", type=Path, help=f"results cache directory (default: {default_cache_dir()})")
    run.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    out = parser.add_argument_group("output")
    out.add_argument("--format", default=None, help="text, checkpatch, json, sarif, github, or a plugin's format")
    out.add_argument("--emacs", action="store_true", help="checkpatch format: one line per finding (checkpatch --emacs --terse)")
    out.add_argument("--output", "-o", type=Path, help="write the report to FILE instead of standard output")
    out.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    out.add_argument("--fix", action="store_true", help="apply the mechanical fixes findings carry (KEEP(), .pushsection, __used); atomic writes")
    out.add_argument("--diff", action="store_true", help="print those fixes as a unified diff instead of applying them")
    out.add_argument("--baseline", type=Path, metavar="FILE", help="do not report findings recorded in FILE")
    out.add_argument("--write-baseline", type=Path, metavar="FILE", help="record every finding of this run in FILE")


def _codes(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    try:
        return split_codes(values)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def load_run_config(root: Path) -> Config:
    """The configuration found at the tree root (or none)."""
    from kgclint.config import ConfigError

    try:
        return load_config(find_config(root))
    except ConfigError as exc:
        raise UsageError(str(exc)) from exc


def build_dir_inputs(build_dir: Path) -> list[Path]:
    """The files of a Kbuild O= directory that the object and script rules read."""
    if not build_dir.is_dir():
        raise UsageError(f"{build_dir}: --build-dir is not a directory")
    from kgclint.builddir import inputs

    return [path for path in inputs(build_dir) if path.exists()]


def run_setup(args: argparse.Namespace, config: Config, arch: str | None) -> tuple[Options, EngineSettings]:
    """A run's options and engine settings: the command line over the tree's configuration (check and audit)."""
    if args.jobs < 1:
        raise UsageError("-j must be at least 1")
    cache_dir = None if args.no_cache else (args.cache_dir or default_cache_dir())
    options = Options(
        arch=arch,
        linker=args.linker or config.linker,
        build_dir=(args.build_dir or config.build_dir),
        config=(args.kconfig or config.kconfig),
        cache_dir=cache_dir,
    )
    settings = EngineSettings(
        jobs=args.jobs, cache_dir=cache_dir, max_file_size=config.max_file_size,
        file_timeout=config.file_timeout, progress=not args.no_progress,
    )
    return options, settings


def build_request(args: argparse.Namespace, paths: list[Path]) -> CheckRequest:
    """A CheckRequest from parsed options and the configuration at the tree root."""
    for path in paths:
        if not os.path.lexists(path):
            raise UsageError(f"{path}: no such file or directory")
    root = (args.root or find_root(paths)).resolve()
    config = load_run_config(root)
    select = _codes(args.select)
    selection = Selection.build(
        select if select is not None else config.select,
        [*config.ignore, *(_codes(args.ignore) or [])],
        [*config.extend_select, *(_codes(args.extend_select) or [])],
    )
    options, settings = run_setup(args, config, args.arch or config.arch)
    baseline = None
    if args.baseline is not None:
        from kgclint.baseline import BaselineError

        try:
            baseline = Baseline.read(args.baseline)
        except BaselineError as exc:
            raise UsageError(str(exc)) from exc
    if options.build_dir is not None:
        paths = [*paths, *build_dir_inputs(options.build_dir)]
    return CheckRequest(
        root=root, paths=tuple(Path(os.path.abspath(p)) for p in paths), options=options,
        selection=selection, settings=settings, config=config, baseline=baseline,
    )
