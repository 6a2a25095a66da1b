"""``kgclint diff``: lint what a patch changes, with the whole tree as context (checkpatch's companion).

The patch (stdin, files, or a git range) is applied in memory to the tree
kgclint runs in; the tree is linted as the patch leaves it, and, when that
can matter, as it was before, so that only the findings the patch adds are
reported. Nothing in the tree is written (unless --fix is given).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from kgclint.checker import RunResult, run_check
from kgclint.discovery import find_root
from kgclint.findings import Finding
from kgclint.options import UsageError, add_lint_options, build_request
from kgclint.patch import PatchError
from kgclint.patch.apply import AppliedPatch, apply_patches, disk_reader
from kgclint.patch.context import context_paths
from kgclint.patch.parse import FilePatch, parse_patch, split_lines
from kgclint.patch.select import caused_by_patch, codes_to_compare
from kgclint.selection import Selection


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "diff", help="lint what a patch adds (unified diff, git format-patch mail, or a git range)",
        description="Apply a patch in memory and report the findings it adds, in checkpatch's format by default.",
    )
    parser.add_argument("patches", nargs="*", metavar="PATCH", help="patch files; '-' reads standard input")
    parser.add_argument("--git", metavar="A..B", help="lint the commits A..B of the git repository at the tree root")
    parser.add_argument(
        "--context", choices=("near", "tree"), default="near",
        help="what else to read: the files beside the touched ones and the arch's linker scripts (near, default), or the whole tree",
    )
    add_lint_options(parser)
    parser.set_defaults(func=run)


def _read_patches(args: argparse.Namespace, root: Path) -> tuple[list[FilePatch], object, list[str]]:
    """The file patches to apply, the reader of original files, and warnings."""
    if args.git:
        from kgclint.patch.gitrange import git_range

        if args.patches:
            raise UsageError("give either --git A..B or patch files, not both")
        data, reader, binary = git_range(root, args.git)
        warnings = [f"{path}: binary file in the range, not read" for path in binary]
        if not data.strip():
            raise PatchError(f"the range {args.git} changes no text file")
        return parse_patch(data), reader, warnings
    if not args.patches:
        raise UsageError("nothing to read: give '-' (standard input), patch files, or --git A..B")
    files: list[FilePatch] = []
    for name in args.patches:
        try:
            data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
        except OSError as exc:
            raise UsageError(f"{name}: {exc.strerror or exc}") from exc
        try:
            files += parse_patch(data)
        except PatchError as exc:
            raise PatchError(f"{'<stdin>' if name == '-' else name}: {exc}") from exc
    return files, disk_reader(root), []


def run(args: argparse.Namespace) -> int:
    from kgclint.cli import emit, exit_status, report_problems
    from kgclint.plugins import load_rules

    root = (args.root or find_root([Path.cwd()])).resolve()
    try:
        files, reader, warnings = _read_patches(args, root)
        patch = apply_patches(files, root, reader)
    except PatchError as exc:
        raise UsageError(f"patch not applied, nothing checked: {exc}") from exc
    request = build_request(args, [root])
    if args.context == "near":
        touched = {p for change in patch.changes.values() for p in (change.old_path, change.new_path) if p}
        request = replace(request, paths=tuple(context_paths(root, touched, request.options.arch)))
    ruleset = load_rules()
    report_problems(ruleset, sys.stderr)
    after = run_check(replace(request, overlay={**patch.before, **patch.after}), ruleset)
    codes = codes_to_compare(after.findings, patch)
    before: list[Finding] = []
    if codes:  # the tree before the patch, with only the rules whose findings need comparing
        only = Selection.build(sorted(codes))
        before = run_check(replace(request, overlay=dict(patch.before), selection=only), ruleset).findings
    chosen = caused_by_patch(before, after.findings, patch)
    chosen += [f for f in after.findings if f.code == "KGC003" and f not in chosen]
    chosen.sort(key=lambda f: f.sort_key())  # relocated findings take their place in file order
    for warning in [*warnings, *patch.skipped]:
        sys.stderr.write(f"kgclint: warning: {warning}\n")
    result = RunResult(
        root=root, findings=chosen, rules=after.rules, problems=after.problems, warnings=after.warnings,
        files=len(patch.changes), lines=patch.lines_checked, parsed=after.parsed, cached=after.cached,
    )
    if getattr(args, "fix", False) or getattr(args, "diff", False):
        from kgclint.fixes import handle_fixes

        status = handle_fixes(result, args, contents={**patch.before, **patch.after})
        if status is not None:
            return status
    if args.format not in (None, "checkpatch") or args.write_baseline is not None:
        return emit(result, args, default_format="checkpatch")
    _write(result, patch, args)
    return exit_status(result, args.exit_zero)


def _write(result: RunResult, patch: AppliedPatch, args: argparse.Namespace) -> None:
    from kgclint.patch.report import write_checkpatch

    for warning in result.warnings:
        sys.stderr.write(f"kgclint: warning: {warning}\n")
    contents = {**patch.before, **patch.after}

    def line_text(path: str, line: int) -> str | None:
        data = contents.get(path)
        if data is None:
            try:
                data = (result.root / path).read_bytes()
            except OSError:
                return None
        lines = split_lines(data)
        return lines[line - 1].rstrip(b"\r\n").decode("utf-8", "replace") if 0 < line <= len(lines) else None

    if args.output is not None:
        with args.output.open("w", encoding="utf-8") as stream:
            write_checkpatch(stream, result.findings, patch, line_text, emacs=args.emacs)
    else:
        write_checkpatch(sys.stdout, result.findings, patch, line_text, emacs=args.emacs)
