"""checkpatch.pl's format, so kgclint's lines sit among checkpatch's in CI logs.

checkpatch prints ``LEVEL:TYPE: message``, then ``#N: FILE: path:N:`` and
the offending line with a ``+`` (in file mode every line counts as added),
then a blank line; its ``--emacs --terse`` form is one line,
``path:N: LEVEL:TYPE: message``. The run ends with
``total: E errors, W warnings, L lines checked``. kgclint's code takes the
place of checkpatch's TYPE.
"""

from __future__ import annotations

from kgclint.checker import RunResult
from kgclint.findings import Severity
from kgclint.reporters.base import Reporter, one_line
from kgclint.source_text import source_line

LEVELS = {Severity.ERROR: "ERROR", Severity.WARNING: "WARNING", Severity.INFO: "CHECK"}


class CheckpatchReporter(Reporter):
    """Findings as checkpatch.pl reports its own."""

    def report(self, result: RunResult) -> None:
        write = self.stream.write
        for finding in result.findings:
            loc = finding.location
            head = f"{LEVELS[finding.severity]}:{finding.code}: {one_line(finding.message)}"
            if self.settings.emacs:
                write(f"{loc.path}:{loc.line}: {head}\n")
                continue
            write(head + "\n")
            write(f"#{loc.line}: FILE: {loc.path}:{loc.line}:\n")
            text = source_line(result.root, loc.path, loc.line)
            if text is not None:
                write(f"+{text}\n")
            write("\n")
        if not self.settings.emacs:
            errors = sum(f.severity is Severity.ERROR for f in result.findings)
            warnings = sum(f.severity is Severity.WARNING for f in result.findings)
            write(f"total: {errors} errors, {warnings} warnings, {result.lines} lines checked\n")
