"""What the sources put into named sections: the fact most rules turn on.

The C front-end (attributes, macros, inline asm) and the assembly front-end
(``.section``/``.pushsection`` in ``.S`` files) both produce these, and the
project-wide section index (``kgclint.analysis.sections``) gathers them so
that linker-script and object rules can ask "who places what in S".
"""

from __future__ import annotations

from dataclasses import dataclass

from kgclint.location import Location


@dataclass(frozen=True, slots=True)
class MacroUse:
    """One macro on the way from a use to a section name: its name and where it is defined."""

    name: str
    defined_at: Location


@dataclass(frozen=True, slots=True)
class SectionPlacement:
    """One thing placed into a named section, with what decides whether GC may drop it.

    ``what`` is ``function``, ``object`` or ``asm`` (an assembly section
    switch: data or code emitted under a label, or anonymously).
    ``macros`` is the chain of macros that produced the section name,
    outermost first (empty for a literal attribute). ``storage`` is
    ``static``, ``extern`` or ``""`` for a file-scope definition with
    external linkage. ``flags``/``section_type``/``linked_to`` are the
    assembler's view (``"ao"``, ``@progbits``, the ``o`` flag's section) when
    known. ``referenced_in_file`` says whether the symbol is used by name
    elsewhere in its own file: a table entry is not, a range member often is.
    """

    section: str
    symbol: str | None
    what: str
    location: Location
    macros: tuple[MacroUse, ...] = ()
    storage: str = ""
    const: bool = False
    used: bool = False
    unused: bool = False
    retain: bool = False
    flags: str | None = None
    section_type: str | None = None
    linked_to: str | None = None
    referenced_in_file: bool = False
    origin: str = "c"


def placement_name(section: str) -> str:
    """The section name the assembler sees for an attribute string.

    GCC writes ``.section <string>`` verbatim, so in ``x,"a",@note #`` the
    assembler takes ``x`` as the name and the rest as flags (the asm-comment
    hack); clang quotes the whole string instead. Rules that match names
    against linker-script patterns use this GCC view.
    """
    head = section.split(",", 1)[0].strip()
    if len(head) >= 2 and head[0] == head[-1] == '"':
        head = head[1:-1]
    return head
