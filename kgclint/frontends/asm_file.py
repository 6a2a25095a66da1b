"""Front-end for ``.S``/``.s`` files: section switches, labels and preprocessor lines of one file.

Pure: the file's bytes and arch in, ``AsmFacts`` out. The preprocessor is
not run (that needs other files); its lines are recorded instead, so that a
project analysis with the tree's macro table can expand what this file
uses (``__INIT``, ``SYM_FUNC_START``, macros that hide a ``.pushsection``),
while the directives written literally are scanned here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kgclint.asm.scanner import AsmScan, Conditional, CppLine, MacroCall, SectionSwitch, scan
from kgclint.findings import Diagnostic
from kgclint.inputs import SourceInput
from kgclint.location import Location
from kgclint.placement import SectionPlacement
from kgclint.project import arch_from_path

_INCLUDE_RE = re.compile(r'#\s*include(?:_next)?\s*[<"]([^>"]+)[>"]')


@dataclass(frozen=True, slots=True)
class AsmFacts:
    """What one assembly file does with sections and symbols, and which macros it leans on.

    ``defines`` are its ``#define`` lines (continuations joined), ``includes``
    the headers it includes (as written between ``<>`` or quotes), ``cpp``
    every preprocessor line in order. The other fields are the scanner's
    (``kgclint.asm.scanner.AsmScan``).
    """

    path: str
    arch: str | None
    diagnostics: tuple[Diagnostic, ...]
    placements: tuple[SectionPlacement, ...] = ()
    switches: tuple[SectionSwitch, ...] = ()
    labels: tuple[str, ...] = ()
    symbol_refs: frozenset[str] = frozenset()
    defines: tuple[CppLine, ...] = ()
    includes: tuple[tuple[str, Location], ...] = ()
    cpp: tuple[CppLine, ...] = ()
    conditionals: tuple[Conditional, ...] = ()
    macros: tuple[tuple[str, Location], ...] = ()
    macro_calls: tuple[MacroCall, ...] = ()
    macro_uses: tuple[tuple[str, Location], ...] = ()


def decode(source: SourceInput) -> tuple[str | None, list[Diagnostic]]:
    """The file's text, or None for binary data; a diagnostic at the first undecodable byte."""
    data = source.data
    nul = data.find(b"\0")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        return None, [Diagnostic(Location(source.path, line), "binary data (NUL byte); not scanned")]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        message = f"not UTF-8 (byte 0x{data[exc.start]:02x}); undecodable bytes replaced"
        return data.decode("utf-8", errors="replace"), [Diagnostic(Location(source.path, line), message)]


def parse(source: SourceInput) -> AsmFacts:
    """Scan one assembly file; ``.S`` files have their preprocessor lines recorded, not obeyed."""
    arch = source.arch or arch_from_path(source.path)
    text, diagnostics = decode(source)
    if text is None:
        return AsmFacts(path=source.path, arch=arch, diagnostics=tuple(diagnostics))
    result: AsmScan = scan(text, path=source.path, arch=arch, origin="asm", cpp=source.path.endswith(".S"))
    includes = tuple(
        (m.group(1), line.location) for line in result.cpp if (m := _INCLUDE_RE.match(line.text))
    )
    return AsmFacts(
        path=source.path,
        arch=arch,
        diagnostics=tuple(diagnostics) + result.diagnostics,
        placements=result.placements,
        switches=result.switches,
        labels=result.labels,
        symbol_refs=result.symbol_refs,
        defines=tuple(line for line in result.cpp if line.directive == "define"),
        includes=includes,
        cpp=result.cpp,
        conditionals=result.conditionals,
        macros=result.macros,
        macro_calls=result.macro_calls,
        macro_uses=result.macro_uses,
    )
