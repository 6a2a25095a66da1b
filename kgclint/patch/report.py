"""checkpatch.pl's patch-mode output: ``#N`` is the line of the patch, the line shown is the added one.

checkpatch numbers a finding in a patch by the patch's own line
(``#12: FILE: drivers/x.c:40:``) and shows the ``+`` line; a finding the
patch causes in a file it does not touch has no patch line, so it gets the
file's line, as checkpatch does in file mode. The total counts the patch's
hunk lines, as checkpatch's ``lines checked`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from kgclint.findings import Finding, Severity
from kgclint.patch.apply import AppliedPatch
from kgclint.reporters.base import one_line
from kgclint.reporters.checkpatch import LEVELS


def write_checkpatch(
    stream: TextIO, findings: list[Finding], patch: AppliedPatch, line_text: Callable[[str, int], str | None], *, emacs: bool,
) -> None:
    """Print findings and the closing total line."""
    for finding in findings:
        loc = finding.location
        head = f"{LEVELS[finding.severity]}:{finding.code}: {one_line(finding.message)}"
        if emacs:
            stream.write(f"{loc.path}:{loc.line}: {head}\n")
            continue
        change = patch.changes.get(loc.path)
        patch_line = change.added_at.get(loc.line) if change is not None else None
        stream.write(head + "\n")
        stream.write(f"#{patch_line or loc.line}: FILE: {loc.path}:{loc.line}:\n")
        text = line_text(loc.path, loc.line)
        if text is not None:
            stream.write(f"{'+' if patch_line else ' '}{text}\n")
        for related in finding.related:
            stream.write(f"  {related.location}: {one_line(related.message)}\n")
        stream.write("\n")
    if not emacs:
        errors = sum(f.severity is Severity.ERROR for f in findings)
        warnings = sum(f.severity is Severity.WARNING for f in findings)
        checks = sum(f.severity is Severity.INFO for f in findings)
        shown = f"{checks} checks, " if checks else ""  # as checkpatch --strict counts CHECK lines
        stream.write(f"total: {errors} errors, {warnings} warnings, {shown}{patch.lines_checked} lines checked\n")
