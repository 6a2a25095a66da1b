"""One ``kgclint check``: rules chosen, inputs loaded, rules run, findings filtered.

Filters only filter: selection by code prefix, per-path ignores from the
configuration, inline suppressions (reporting those that suppress nothing),
and a baseline of accepted findings. None of them knows any rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from kgclint.baseline import Baseline
from kgclint.config import Config
from kgclint.discovery import discover, relative, with_overlay
from kgclint.engine import (
    EngineSettings, core_finding, diagnostic_findings, lines_checked, load_inputs, load_one, project_from,
    suppressions_by_file,
)
from kgclint.findings import Finding
from kgclint.inputs import InputKind
from kgclint.headers import included_headers
from kgclint.location import Location
from kgclint.memo import RunMemo, RunOutput, eligible
from kgclint.plugins import PluginProblem, RuleInfo, RuleSet
from kgclint.project import Options, names_whole_tree
from kgclint.selection import Selection
from kgclint.suppressions import Suppression


@dataclass(frozen=True)
class CheckRequest:
    """Everything one check needs to know.

    ``overlay`` is patch mode's view of the tree: new content by tree-relative
    path (None for a deleted file), read instead of the disk.
    """

    root: Path
    paths: tuple[Path, ...]
    options: Options
    selection: Selection
    settings: EngineSettings
    config: Config = field(default_factory=Config)
    baseline: Baseline | None = None
    overlay: dict[str, bytes | None] = field(default_factory=dict)


@dataclass
class RunResult:
    """What reporters print: sorted findings and what the run covered."""

    root: Path
    findings: list[Finding]
    rules: tuple[RuleInfo, ...]
    problems: tuple[PluginProblem, ...]
    warnings: list[str]
    files: int
    lines: int
    parsed: int = 0
    cached: int = 0

    def rule(self, code: str) -> RuleInfo | None:
        return next((info for info in self.rules if info.code == code), None)


#: Inputs whose macros come from headers: a run over some of them, not the tree, reads what they include.
SOURCE_KINDS = frozenset({InputKind.C, InputKind.ASM})


def needed_kinds(rules: Iterable[RuleInfo]) -> frozenset[InputKind]:
    """The input kinds some enabled rule needs: the engine reads only these."""
    kinds: set[InputKind] = set()
    for info in rules:
        kinds |= info.rule.needs
    return frozenset(kinds)


def run_check(request: CheckRequest, ruleset: RuleSet) -> RunResult:
    """Run every enabled rule over the inputs and filter the findings."""
    enabled = tuple(info for info in ruleset.rules if request.selection.enabled(info.code))
    kinds = needed_kinds(enabled)
    files, walk_problems = discover(request.root, request.paths, kinds, request.config.excluded)
    if request.overlay:
        files = with_overlay(files, request.overlay, request.root, request.paths, kinds)
    findings: list[Finding] = [core_finding("KGC001", d.message, d.location) for d in walk_problems]
    scope = tuple(relative(request.root, path) for path in request.paths)
    reads_headers = bool(kinds & SOURCE_KINDS) and not names_whole_tree(scope)
    memo = _memo(request, files, enabled, kinds, reads_headers)
    output = memo.recall() if memo else None
    parsed, cached, warnings = 0, len(files), []
    if output is None:
        loaded = load_inputs(request.root, files, request.options, request.settings, request.overlay)
        project = replace(project_from(request.root, request.options, loaded, request.overlay, scope),
                          loader=partial(_load_context, request), jobs=request.settings.jobs)
        if reads_headers:
            sources = [f for kind in SOURCE_KINDS for f in project.facts(kind)]
            headers = included_headers(request.root, sources, request.options, request.settings, request.overlay)
            project = replace(project, context={InputKind.C: headers})
        produced = loaded.problems + diagnostic_findings(loaded)
        for info in enabled:
            produced += _run_rule(info, project)
        output = RunOutput(produced, suppressions_by_file(loaded), lines_checked(loaded))
        parsed, cached, warnings = loaded.parsed, loaded.cached, loaded.warnings
        if memo and not loaded.transient and not any(f.code == "KGC003" for f in produced):
            memo.store(output)
    findings += output.findings
    findings = [f for f in findings if request.selection.enabled(f.code)]
    findings = [f for f in findings if not _path_ignored(f, request.config)]
    findings = apply_suppressions(
        findings, output.suppressions, request.selection, {i.code for i in enabled},
        report_unused=request.config.report_unused_suppressions,
    )
    if request.baseline is not None:
        findings = request.baseline.filter(findings, request.root)
    findings = _unique_sorted(findings)
    return RunResult(
        root=request.root, findings=findings, rules=enabled, problems=ruleset.problems,
        warnings=warnings, files=len(files), lines=output.lines, parsed=parsed, cached=cached,
    )


def _load_context(request: CheckRequest, relpath: str, kind: InputKind) -> object | None:
    """A tree file an analysis reads beyond the inputs, through the run's cache (``Project.loader``)."""
    return load_one(request.root, relpath, kind, request.options, request.settings, request.overlay)


def _memo(request: CheckRequest, files: list, enabled: tuple[RuleInfo, ...], kinds: frozenset[InputKind],
          reads_headers: bool) -> RunMemo | None:
    """The whole-run memo, when the cache is on and the run can be memoised (``kgclint.memo``)."""
    settings = request.settings
    if settings.cache_dir is None or not eligible(kinds, request.options, request.overlay, reads_headers):
        return None
    limits = (settings.max_file_size, settings.file_timeout)
    return RunMemo(settings.cache_dir, files, enabled, request.options, limits)


def _unique_sorted(findings: list[Finding]) -> list[Finding]:
    """Sorted, with exact repeats (same code, place, message and related places) folded."""
    unique: dict[tuple, Finding] = {}
    for finding in findings:
        unique.setdefault((finding.sort_key(), finding.related), finding)
    return [unique[key] for key in sorted(unique, key=lambda k: k[0])]


def _run_rule(info: RuleInfo, project) -> list[Finding]:
    """A rule's findings; a rule that raises becomes one KGC003 finding and the run goes on."""
    try:
        return list(info.rule().check(project))
    except Exception as exc:
        where = _first_input(project) or "."
        message = f"internal error in rule {info.code} ({info.rule.name}) from {info.distribution}: {type(exc).__name__}: {exc}"
        return [core_finding("KGC003", message, Location(where))]


def _first_input(project) -> str | None:
    """A path to pin a rule's crash to (rules see the whole project, not one file)."""
    for kind in sorted(project.files):
        facts = project.facts(kind)
        if facts:
            return getattr(facts[0], "path", None)
    return None


def _path_ignored(finding: Finding, config: Config) -> bool:
    return any(finding.code.startswith(prefix) for prefix in config.ignored_codes(finding.location.path))


def apply_suppressions(
    findings: list[Finding],
    marks: dict[str, tuple[Suppression, ...]],
    selection: Selection,
    ran: set[str],
    *,
    report_unused: bool,
) -> list[Finding]:
    """Drop suppressed findings; add KGC002 for suppressions that matched nothing that ran."""
    used: set[tuple[str, int, str]] = set()
    kept: list[Finding] = []
    for finding in findings:
        path, line = finding.location.path, finding.location.line
        hit = next(
            (
                (path, mark.line, finding.code)
                for mark in marks.get(path, ())
                if finding.code in mark.codes and line in (mark.line, mark.line + 1)
            ),
            None,
        )
        if hit is None:
            kept.append(finding)
        else:
            used.add(hit)
    if report_unused and selection.enabled("KGC002"):
        for path in sorted(marks):
            for mark in marks[path]:
                idle = [c for c in mark.codes if c in ran and (path, mark.line, c) not in used]
                if idle:
                    kept.append(core_finding(
                        "KGC002",
                        f"suppression of {', '.join(idle)} matches no finding on this line or the next",
                        Location(path, mark.line, mark.column),
                    ))
    return kept
