"""The ``kgclint`` command: check, rules, explain, and the sub-commands in kgclint/commands/.

Exit status: 0 clean, 1 findings, 2 a usage error or an internal error
(a KGC003 finding, or a failure before any input was read).
"""

from __future__ import annotations

import argparse
import pkgutil
import sys
from collections.abc import Sequence
from importlib import import_module
from pathlib import Path
from typing import TextIO

import kgclint
from kgclint import commands
from kgclint.baseline import write_baseline
from kgclint.checker import RunResult, run_check
from kgclint.options import UsageError, add_lint_options, build_request
from kgclint.plugins import RuleSet, load_reporters, load_rules
from kgclint.reporters.base import ReportSettings

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kgclint",
        description="Find what linker garbage collection (--gc-sections) would wrongly drop from a kernel.",
    )
    parser.add_argument("--version", action="version", version=f"kgclint {kgclint.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    check = sub.add_parser("check", help="lint files and directories")
    check.add_argument("paths", nargs="*", type=Path, default=[Path(".")], help="files or directories (default: .)")
    add_lint_options(check)
    check.set_defaults(func=cmd_check)

    rules = sub.add_parser("rules", help="list every rule: code, name, severity, needs, distribution")
    rules.set_defaults(func=cmd_rules)

    explain = sub.add_parser("explain", help="print a rule's documentation")
    explain.add_argument("code", help="a rule code such as KGC201")
    explain.set_defaults(func=cmd_explain)

    for info in pkgutil.iter_modules(commands.__path__):
        import_module(f"{commands.__name__}.{info.name}").add_parser(sub)
    return parser


def report_problems(ruleset: RuleSet, stream: TextIO) -> None:
    """Say once, on stderr, which plugins could not be used."""
    for problem in ruleset.problems:
        stream.write(f"kgclint: warning: {problem}\n")


def emit(result: RunResult, args: argparse.Namespace, default_format: str = "text") -> int:
    """Print a run with the chosen reporter, write a baseline if asked, and return the exit status."""
    reporters, problems = load_reporters()
    for problem in problems:
        sys.stderr.write(f"kgclint: warning: {problem}\n")
    for warning in result.warnings:
        sys.stderr.write(f"kgclint: warning: {warning}\n")
    name = args.format or default_format
    reporter_class = reporters.get(name)
    if reporter_class is None:
        raise UsageError(f"unknown format {name!r} (have: {', '.join(sorted(reporters))})")
    settings = ReportSettings(emacs=args.emacs)
    if args.output is not None:
        with args.output.open("w", encoding="utf-8") as stream:
            reporter_class(stream, settings).report(result)
    else:
        reporter_class(sys.stdout, settings).report(result)
    if args.write_baseline is not None:
        count = write_baseline(args.write_baseline, result.findings, result.root)
        sys.stderr.write(f"kgclint: wrote {count} baseline entries to {args.write_baseline}\n")
        return EXIT_CLEAN
    return exit_status(result, args.exit_zero)


def exit_status(result: RunResult, exit_zero: bool) -> int:
    if any(f.code == "KGC003" for f in result.findings):
        return EXIT_ERROR
    if result.findings and not exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def cmd_check(args: argparse.Namespace) -> int:
    request = build_request(args, list(args.paths))
    ruleset = load_rules()
    report_problems(ruleset, sys.stderr)
    result = run_check(request, ruleset)
    if args.fix or args.diff:
        from kgclint.fixes import handle_fixes

        status = handle_fixes(result, args)
        if status is not None:
            return status
    return emit(result, args)


def cmd_rules(args: argparse.Namespace) -> int:
    ruleset = load_rules()
    report_problems(ruleset, sys.stderr)
    rows = [("CODE", "NAME", "SEVERITY", "NEEDS", "DISTRIBUTION")]
    for info in ruleset.rules:
        needs = ",".join(sorted(kind.value for kind in info.rule.needs)) or "-"
        rows.append((info.code, info.rule.name, info.rule.severity.value, needs, info.distribution))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)] + [row[-1]]
        sys.stdout.write("  ".join(cells).rstrip() + "\n")
    return EXIT_CLEAN


def cmd_explain(args: argparse.Namespace) -> int:
    ruleset = load_rules()
    report_problems(ruleset, sys.stderr)
    info = ruleset.by_code().get(args.code.strip().upper())
    if info is None:
        raise UsageError(f"no rule {args.code!r} (see `kgclint rules`)")
    sys.stdout.write(f"{info.code} {info.rule.name} ({info.rule.severity.value}, from {info.distribution})\n\n")
    sys.stdout.write(info.doc.render())
    return EXIT_CLEAN


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; never lets a traceback reach the user."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        sys.stderr.write(f"kgclint: error: {exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("kgclint: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as exc:  # the last line of defence: a message, exit 2, no traceback
        sys.stderr.write(f"kgclint: internal error: {type(exc).__name__}: {exc}\n")
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
