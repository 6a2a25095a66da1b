"""KGC200: a .lds.S that does not preprocess or parse as a linker script."""

from __future__ import annotations

from collections.abc import Iterable

from kgclint.analysis.scripts import ScriptIndex
from kgclint.findings import Finding, Severity
from kgclint.inputs import InputKind
from kgclint.project import Project
from kgclint.rule import Rule


class PreprocessedScriptError(Rule):
    """A linker script source that cpp rejects, or whose preprocessed text is not valid ld syntax.

    What it finds:
    A .lds.S that the C preprocessor cannot process with the tree's include
    paths and the configuration, or whose output has a syntax error. The
    message gives the file and line a person edits (through cpp's line
    markers) and what the parser expected. A plain .lds reports its syntax
    errors as KGC001 like any other input; a .lds.S can only be checked
    after preprocessing, which is a project-level step, hence this code.

    Why it breaks a kernel:
    Every other script rule reads the parsed script: a statement that does
    not parse is invisible to them, so a table in it would go unchecked,
    and the real link would fail on it too.

    Example:
    arch/foo/kernel/vmlinux.lds.S:42: expected ';' after assignment to '__x', found '}'

    Fix:
    Correct the script; in all-branches mode (no configuration given) an
    error may come from mutually exclusive #if branches that kgclint could
    not separate: give --config or --build-dir.
    """

    code = "KGC200"
    name = "preprocessed-script-error"
    severity = Severity.ERROR
    needs = frozenset({InputKind.LINKER_SCRIPT})

    def check(self, project: Project) -> Iterable[Finding]:
        for info in project.analysis(ScriptIndex).scripts:
            if info.preprocessed is None:
                continue
            for diagnostic in info.diagnostics:
                yield self.finding(
                    f"{diagnostic.message} (preprocessed in {info.mode} mode)",
                    diagnostic.location,
                    properties={"mode": info.mode, "script": info.path},
                )
