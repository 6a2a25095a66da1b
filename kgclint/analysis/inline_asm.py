"""Every inline-asm statement of the C sources, expanded and scanned as the assembler would read it.

The templates come from ``asm``/``__asm__`` statements in the files and
from macros that write asm at file scope (``EXPORT_SYMBOL`` in Linux
6.12); macros inside them (``__stringify``, ``_ASM_EXTABLE``) are expanded
with the tree's definitions, the string literals joined and decoded, and
the text handed to the assembly scanner (``kgclint.asm.scanner.scan``)
for the file's arch, every line located at the C statement.
"""

from __future__ import annotations

from dataclasses import dataclass

from kgclint.analysis.macros import MacroTable
from kgclint.asm.scanner import AsmScan, scan
from kgclint.c.analysis import ExpandedAsm, ItemExpansions
from kgclint.location import Location
from kgclint.placement import MacroUse
from kgclint.project import Project

#: Text without any of these cannot switch sections, define labels or emit data kgclint tracks.
_DIRECTIVE_HINT = "."


@dataclass(frozen=True, slots=True)
class InlineAsm:
    """One asm statement: where it is, its expanded text, and the scan of that text.

    ``complete`` is False when a piece of the template did not expand to
    string literals (a macro kgclint could not resolve): the text then
    lacks that piece. ``top_level`` marks a basic asm statement at file
    scope; ``macros`` is the chain of macros that wrote it (empty when it
    is spelled in the file).
    """

    location: Location
    text: str
    scan: AsmScan
    complete: bool = True
    top_level: bool = False
    macros: tuple[MacroUse, ...] = ()


class InlineAsmIndex:
    """``project.analysis(InlineAsmIndex).statements``: every inline-asm statement, sorted by location."""

    def __init__(self, project: Project) -> None:
        expansions = project.analysis(ItemExpansions)
        table = project.analysis(MacroTable)
        pieces: list[ExpandedAsm] = list(expansions.asm_pieces)
        for result in expansions.items:
            pieces.extend(result.asm)
        statements: list[InlineAsm] = []
        for piece in pieces:
            location = piece.location
            if _DIRECTIVE_HINT in piece.text:
                scanned = scan(
                    piece.text,
                    path=location.path,
                    arch=table.arch_of(location.path),
                    first_line=location.line,
                    origin="inline-asm",
                    line_map=lambda _n, loc=location: loc,
                )
            else:
                scanned = AsmScan(arch=table.arch_of(location.path))
            statements.append(
                InlineAsm(location, piece.text, scanned, piece.complete, piece.top_level, piece.macros)
            )
        statements.sort(key=lambda s: (s.location, s.text))
        self.statements: tuple[InlineAsm, ...] = tuple(statements)
