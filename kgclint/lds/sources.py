"""What the sources say that the linker-script analyses need: ``project.analysis(SourceView)``.

Who places what in which section (the C front-end's ``SectionIndex`` when
it is there, which also expands macros and inline asm; the assembly
front-end's placements always), and who references a symbol by name (C
identifiers and assembly operands). One adapter, so the table analysis and
the script rules ask one place and do not care which front-ends ran.
"""

from __future__ import annotations

import re
from functools import cached_property

from kgclint.analysis.references import ReferenceIndex
from kgclint.inputs import InputKind
from kgclint.location import Location
from kgclint.placement import SectionPlacement
from kgclint.project import Project


def _section_index(project: Project):
    try:
        from kgclint.analysis.sections import SectionIndex
    except ImportError:
        return None
    return project.analysis(SectionIndex)


class SourceView:
    """Placements and references of the project's C and assembly sources."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.index = _section_index(project) if project.facts(InputKind.C) else None

    @cached_property
    def placements(self) -> tuple[SectionPlacement, ...]:
        """Every placement into a named section, C (when the section index exists) and assembly."""
        found: list[SectionPlacement] = []
        if self.index is not None:
            found.extend(self.index.placements)
        seen = {(p.location, p.section) for p in found}
        for facts in self.project.facts(InputKind.ASM):
            for p in getattr(facts, "placements", ()):
                if (p.location, p.section) not in seen:
                    found.append(p)
        return tuple(sorted(found, key=lambda p: (p.location, p.section)))

    @cached_property
    def referenced_names(self) -> ReferenceIndex:
        """Every identifier some source uses by name (``in`` answers it), with the files that do."""
        return self.project.analysis(ReferenceIndex)

    def referencing(self, symbol: str) -> tuple[Location, ...]:
        """Where ``symbol`` is used by name: the section index's answer, else the first use in each file."""
        if self.index is not None:
            found = tuple(self.index.referencing(symbol))
            if found:
                return found
        out: list[Location] = []
        word = re.compile(r"(?<![A-Za-z0-9_])" + re.escape(symbol) + r"(?![A-Za-z0-9_])")
        for path in self.referenced_names.files(symbol):
            line = 0
            try:
                text = self.project.read_bytes(path).decode("latin-1")
                m = word.search(text)
                if m:
                    line = text.count("\n", 0, m.start()) + 1
            except OSError:
                pass
            out.append(Location(path, line))
        return tuple(out)

    def named(self, placement: SectionPlacement) -> bool:
        """Whether the thing placed is referenced by name anywhere (a range member, not a table entry)."""
        if placement.symbol is None:
            return False
        return placement.referenced_in_file or placement.symbol in self.referenced_names

    def named_elsewhere(self, placement: SectionPlacement) -> bool:
        """Whether another file references the placed symbol: code that only jumps to itself is not called."""
        if placement.symbol is None:
            return False
        return any(path != placement.location.path for path in self.referenced_names.files(placement.symbol))
