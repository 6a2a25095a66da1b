"""What a rule reports: a finding, with its severity, locations and optional fix."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from kgclint.location import Location, Related


class Severity(StrEnum):
    """How bad a finding is; checkpatch prints these as ERROR, WARNING and CHECK."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True, order=True)
class TextEdit:
    """Replace bytes ``[start, end)`` of ``path`` (byte offsets into the file as it is) with ``text``.

    Byte offsets, not lines, so that a fix keeps every byte it does not
    change: line endings, encoding, trailing white space.
    """

    path: str
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Fix:
    """A mechanical repair: what it does, in words, and the edits that do it."""

    description: str
    edits: tuple[TextEdit, ...]


@dataclass(frozen=True, slots=True)
class Finding:
    """One defect at one place.

    ``properties`` holds facts a machine reader wants and the message says in
    words (``breakage: silent``, ``mode: all-branches``, ``linker: lld``);
    reporters print them in json and sarif, never interpret them.
    """

    code: str
    severity: Severity
    message: str
    location: Location
    related: tuple[Related, ...] = ()
    fix: Fix | None = None
    properties: Mapping[str, str] = field(default_factory=dict)

    def sort_key(self) -> tuple:
        """File, line, column, then code and message: the order every reporter prints in."""
        loc = self.location
        return (loc.path, loc.line, loc.column, self.code, self.message)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A front-end's complaint about its input (cannot decode, cannot parse, limit hit).

    The engine turns each into a KGC001 finding, so a bad file is reported
    where it is and the run goes on with the rest.
    """

    location: Location
    message: str
