"""Where a fact or a finding sits in the tree.

Every fact and finding carries one, so that a person can jump to the line
they must edit, even when it came through a macro or a preprocessed script.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A position in a file of the scanned tree.

    ``path`` is relative to the tree root, with ``/`` separators, so output
    does not depend on where the tree is checked out. ``line`` and
    ``column`` are 1-based; 0 means "not known" (a whole file, an object).
    """

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.path
        if not self.column:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Related:
    """A second location that explains a finding (the script line *and* the source line)."""

    location: Location
    message: str
