"""What an audit holds: rows a reporter prints, with their evidence, independent of any format."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from kgclint.location import Location

KEPT = "kept"
DROPPED = "would be dropped"
UNKNOWN = "unknown"
STATUSES = (DROPPED, UNKNOWN, KEPT)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One place that supports a row's verdict, and what it shows."""

    location: Location
    text: str


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One table, range or entry point of one script.

    ``location`` is where a person edits (the script line, or the line of
    the macro body the pattern is written in); ``breakage`` is ``loud``
    (a script ASSERT fails the link when the entries go), ``silent``, or
    ``-`` when nothing would be dropped.
    """

    kind: str
    script: str
    pattern: str
    output: str
    symbols: tuple[str, ...]
    status: str
    breakage: str
    entries: int
    unkept: int
    reason: str
    fix: str
    location: Location
    evidence: tuple[Evidence, ...] = ()
    proof: str = ""

    def sort_key(self) -> tuple:
        return (STATUSES.index(self.status), self.script, self.location.line, self.pattern)


@dataclass
class Audit:
    """The audit of one arch: rows sorted (dropped first), and how the scripts were read."""

    arch: str
    linker: str
    mode: str
    scripts: tuple[str, ...]
    rows: list[AuditRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: int = 0

    def counts(self) -> dict[str, int]:
        found = Counter(row.status for row in self.rows)
        return {status: found.get(status, 0) for status in STATUSES}

    def kinds(self) -> dict[str, int]:
        return dict(sorted(Counter(row.kind for row in self.rows).items()))
