"""``path:line:col: CODE message``: one line a finding, for people and editors."""

from __future__ import annotations

from kgclint.checker import RunResult
from kgclint.reporters.base import Reporter, one_line


class TextReporter(Reporter):
    """The default format, one line per finding and one per related location."""

    def report(self, result: RunResult) -> None:
        write = self.stream.write
        for finding in result.findings:
            loc = finding.location
            write(f"{loc.path}:{loc.line}:{loc.column}: {finding.code} {one_line(finding.message)}\n")
            for related in finding.related:
                where = related.location
                write(f"  {where.path}:{where.line}:{where.column}: note: {one_line(related.message)}\n")
            if finding.fix is not None:
                write(f"  fix: {finding.fix.description}\n")
