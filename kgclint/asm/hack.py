"""The asm-comment section hack, seen in assembler text, and what GCC's own line turns into.

The hack (DOMAIN.md §3.4) is a section string such as ``x,"a",@note #``:
GCC writes ``.section <string>,"<its flags>"…`` verbatim, the comment
character hides GCC's flags, and the assembler takes the smuggled ones.
In assembler text (inline asm, ``.S``) it shows as a ``.section`` or
``.pushsection`` whose operands are followed, on the same line, by a
comment that itself holds section operands (``#,"aw"``): a string from a C
macro closing the directive early, so what the author wrote after it never
reaches the assembler.

``asm_comment_hacks`` finds that shape in a scan; ``gcc_view`` says what
the assembler of an arch makes of the line GCC writes for a C section
attribute (proved in tests/test_asm_hack.py with gcc and arm gcc). Clang
does not write the string as directive text: its integrated assembler makes
the whole string the section's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from kgclint.asm.attrs import SectionAttrs, as_default, asm_attrs, gcc_attrs
from kgclint.asm.scanner import SectionSwitch, scan
from kgclint.asm.syntax import syntax_for
from kgclint.location import Location

#: Comment text that holds section operands: a comma, then a quoted flag string or a type.
_HIDDEN_OPERANDS = re.compile(r'^\s*,\s*("[^"]*"|[@%]\w+)')


class _HasSwitches(Protocol):
    switches: tuple[SectionSwitch, ...]
    arch: str | None


def _opener(hidden: str, arch: str | None) -> str:
    syntax = syntax_for(arch)
    for opener in sorted(syntax.comment + tuple(syntax.line_comment) + ("//",), key=len, reverse=True):
        if hidden.startswith(opener):
            return opener
    return hidden[:1]


def asm_comment_hacks(facts: _HasSwitches) -> list[tuple[Location, str, str]]:
    """(location, section string, explanation) for each section directive whose comment hides operands.

    ``facts`` is an ``AsmScan`` or ``AsmFacts``; its ``arch`` decides the
    comment characters (the scan already cut the comment where that arch's
    assembler does).
    """
    found: list[tuple[Location, str, str]] = []
    for switch in facts.switches:
        if switch.directive not in (".section", ".pushsection") or not switch.hidden:
            continue
        opener = _opener(switch.hidden, facts.arch)
        hidden = switch.hidden[len(opener):]
        if not _HIDDEN_OPERANDS.match(hidden):
            continue
        string = f"{switch.args} {opener}"
        attrs = asm_attrs(switch.section or "", switch.flags, switch.section_type) or as_default(switch.section or "")
        found.append((switch.location, string, (
            f"the comment character {opener!r} ends `{switch.directive}` after {switch.args!r}, hiding "
            f"{hidden.strip()!r}: the assembler makes {switch.section} {attrs.describe()}, not what the hidden "
            f"operands say; where {opener!r} does not start a comment the line is rejected, and a section "
            f"string with this shape in a C attribute becomes the whole section name under clang"
        )))
    return found


@dataclass(frozen=True, slots=True)
class GccView:
    """What the assembler makes of GCC's ``.section`` line for a C section attribute string.

    ``line`` is the directive GCC writes; ``rejected`` says the assembler
    rejects it ("junk at end of line"); otherwise ``name`` and ``attrs`` are
    the section it makes. ``hidden`` is GCC's own text that a comment hid.
    """

    line: str
    name: str | None
    attrs: SectionAttrs | None
    rejected: bool
    hidden: str | None


def gcc_line(section: str, arch: str | None, what: str = "object", const: bool = False) -> str:
    """The ``.section`` directive GCC writes for ``__attribute__((section(section)))`` on this target.

    GCC prints the string verbatim, then its flags; it adds a type only
    for code (``@progbits``) and for ``.bss`` names (``@nobits``), with the
    target's type prefix (``%`` where ``@`` comments, as on ARM).
    """
    prefix = "@" if "@" in syntax_for(arch).type_prefixes else "%"
    attrs = gcc_attrs(section.split(",", 1)[0].strip(), what, const)
    flags = "".join(c for c in "awx" if c in attrs.flags)
    line = f'.section\t{section},"{flags}"'
    if what == "function":
        line += f",{prefix}progbits"
    elif attrs.type == "nobits":
        line += f",{prefix}nobits"
    return line


def gcc_view(section: str, arch: str | None, what: str = "object", const: bool = False) -> GccView:
    """Scan GCC's line for ``section`` as the assembler of ``arch`` reads it."""
    line = gcc_line(section, arch, what, const)
    result = scan(line, path="<gcc>", arch=arch)
    switch = next((s for s in result.switches if s.directive == ".section"), None)
    if switch is None or switch.section is None:
        return GccView(line, None, None, True, None)
    rejected = switch.junk is not None or bool(result.diagnostics)
    attrs = None if rejected else (asm_attrs(switch.section, switch.flags, switch.section_type) or as_default(switch.section))
    return GccView(line, switch.section, attrs, rejected, switch.hidden)
