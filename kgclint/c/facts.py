"""The per-file facts of the C front-end: frozen, picklable, and small.

What the project analyses need from one file, and no more: macro
definitions (with the ``#if`` conditions around them, because no
configuration is applied), includes, the heads of file-scope items that
may carry a section (as text, expanded later with the tree's macros),
inline-asm templates, and what the file defines and references.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from kgclint.findings import Diagnostic
from kgclint.location import Location


#: A C identifier (GNU C allows ``$`` in one).
IDENT = re.compile(r"[A-Za-z_$][\w$]*", re.A)


@dataclass(frozen=True, slots=True)
class MacroDef:
    """One ``#define``: ``params`` None for an object-like macro; ``variadic`` names the
    parameter that takes the variable arguments (``__VA_ARGS__`` or a GNU ``args...``).

    ``conditions`` are the enclosing ``#if`` tests as ``+NAME``/``-NAME``
    (``-`` for a test known false in that branch, ``?`` prefix for an
    expression kgclint does not evaluate): every branch is kept, and the
    macro table uses them only to prefer one definition over another.
    ``path`` is the defining file's: the table needs it for every one of a
    tree's 1.6 million defines, and a slot costs less than an index beside them.
    """

    name: str
    params: tuple[str, ...] | None
    variadic: str | None
    body: str
    line: int
    conditions: tuple[str, ...] = ()
    path: str = ""


def by_name(defines: Iterable[MacroDef]) -> dict[str, list[MacroDef]]:
    """Definitions grouped by macro name, each list in the order given (a file's: line order)."""
    table: dict[str, list[MacroDef]] = {}
    for defn in defines:
        table.setdefault(defn.name, []).append(defn)
    return table


@dataclass(frozen=True, slots=True)
class Include:
    """One ``#include``: the name as written, and whether it was ``<...>`` (system) or ``"..."``."""

    name: str
    system: bool
    line: int


@dataclass(frozen=True, slots=True)
class Item:
    """The head of one file-scope declaration, definition or macro invocation.

    ``text`` runs from the item's first token to its initializer's ``=`` or
    its body's ``{`` (exclusive); ``kind`` is ``function`` (a body follows),
    ``initialized`` or ``declaration``. ``start`` is the byte offset of the
    head, for fixes. Only heads that may hold a macro or attribute are kept.
    """

    text: str
    kind: str
    line: int
    column: int
    start: int

    @property
    def idents(self) -> frozenset[str]:
        """The head's identifiers, which the section analysis intersects with the macros that can
        reach a section before expanding anything.

        Computed on each use, not stored: a whole tree's 3.7 million identifier
        strings and their sets took about 480 MB of the facts, more than the
        item texts they come from.
        """
        return frozenset(IDENT.findall(self.text))


@dataclass(frozen=True, slots=True)
class AsmPiece:
    """The template of one ``asm``/``__asm__`` statement, unexpanded (string literals and macros).

    ``top_level`` is True for a basic asm statement at file scope.
    """

    text: str
    line: int
    column: int
    start: int
    top_level: bool


@dataclass(frozen=True, slots=True)
class Definition:
    """A function or object defined in the file (not a prototype, not ``extern``)."""

    name: str
    kind: str
    storage: str
    location: Location


@dataclass(frozen=True, slots=True)
class CFacts:
    """Everything the C front-end learned from one file.

    ``references`` (identifiers used in the file other than at their
    definition) is kept zlib-compressed: the whole tree's identifier sets
    would otherwise cost more memory than every other fact together.
    Identifiers in comments and string literals count as references too.
    ``definitions`` are kept as one line of text each and made into objects
    when read: a tree's 1.3 million ``Definition``s with their ``Location``s
    took 280 MB, and only a few analyses read them.
    """

    path: str
    diagnostics: tuple[Diagnostic, ...]
    defines: tuple[MacroDef, ...] = ()
    undefs: tuple[str, ...] = ()
    includes: tuple[Include, ...] = ()
    items: tuple[Item, ...] = ()
    asm: tuple[AsmPiece, ...] = ()
    packed_definitions: str = ""
    packed_references: bytes = b""

    @property
    def definitions(self) -> tuple[Definition, ...]:
        """What the file defines, in order (see ``pack_definitions``)."""
        out = []
        for line in self.packed_definitions.splitlines():
            name, kind, storage, number, column = line.split(" ")
            out.append(Definition(name, _KINDS[kind], "" if storage == "-" else storage,
                                  Location(self.path, int(number), int(column))))
        return tuple(out)

    @property
    def references(self) -> frozenset[str]:
        """Identifiers used in the file other than at their definition."""
        if not self.packed_references:
            return frozenset()
        return frozenset(zlib.decompress(self.packed_references).decode("latin-1").split())

    def macros_only(self) -> CFacts:
        """These facts with only what the macro table reads (path, defines, undefs, includes): a context header's."""
        return CFacts(path=self.path, diagnostics=(), defines=self.defines, undefs=self.undefs, includes=self.includes)


_KINDS = {"f": "function", "o": "object"}


def pack_definitions(found: list[tuple[str, str, str, int, int]]) -> str:
    """The text form of ``CFacts.definitions`` from (name, kind, storage, line, column) rows.

    Rows, not ``Definition``s: the front-end would make 1.3 million objects only to write them out.
    """
    return "".join(
        f"{name} {kind[0]} {storage or '-'} {line} {column}\n" for name, kind, storage, line, column in found
    )


def pack_references(names: set[str]) -> bytes:
    """The compressed form of an identifier set (sorted, so equal sets pack equally)."""
    if not names:
        return b""
    return zlib.compress(" ".join(sorted(names)).encode("latin-1"), 1)
