"""The syntax tree of a GNU ld script, as the ld manual ("Linker Scripts") defines it.

Nodes are frozen, picklable dataclasses. Every statement carries the
``Location`` a person edits (after line-marker mapping of a preprocessed
``.lds.S``) and, for input-section descriptions, the exact ``text`` of the
description as the preprocessed script spells it: that text is what macro
attribution (``kgclint.lds.macros``) searches for in header ``#define`` bodies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from kgclint.location import Location

# ---------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True)
class Number:
    """An integer literal (``0x1000``, ``4K``, ``1M``)."""

    value: int
    text: str


@dataclass(frozen=True, slots=True)
class Symbol:
    """A symbol name, ``.`` (the location counter), or a section/region name argument."""

    name: str


@dataclass(frozen=True, slots=True)
class String:
    """A quoted string (ASSERT messages, OUTPUT_FORMAT names)."""

    value: str


@dataclass(frozen=True, slots=True)
class Unary:
    """``-x``, ``!x``, ``~x``."""

    op: str
    operand: Expr


@dataclass(frozen=True, slots=True)
class Binary:
    """``a op b`` for every binary operator of ld expressions."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Conditional:
    """``c ? a : b``."""

    condition: Expr
    then: Expr
    otherwise: Expr


@dataclass(frozen=True, slots=True)
class Call:
    """A builtin function: ``ADDR(.text)``, ``ALIGN(8)``, ``DEFINED(sym)``, ``ASSERT(e, "m")``…"""

    function: str
    args: tuple[Expr, ...]


Expr = Union[Number, Symbol, String, Unary, Binary, Conditional, Call]

# ----------------------------------------------------------------- statements


@dataclass(frozen=True, slots=True)
class Assignment:
    """``sym op expr``; ``provide`` is ``PROVIDE``, ``PROVIDE_HIDDEN``, ``HIDDEN`` or ``""``."""

    target: str
    op: str
    value: Expr
    location: Location
    provide: str = ""


@dataclass(frozen=True, slots=True)
class Assert:
    """``ASSERT(expr, "message")`` as a statement."""

    condition: Expr
    message: str
    location: Location


@dataclass(frozen=True, slots=True)
class SectionPattern:
    """One section-name wildcard of an input-section description.

    ``exclude_files`` comes from an ``EXCLUDE_FILE(...)`` that precedes this
    pattern inside the list; ``sort`` is the chain of SORT* wrappers,
    outermost first.
    """

    pattern: str
    exclude_files: tuple[str, ...] = ()
    sort: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InputSection:
    """An input-section description: ``[KEEP(] file(sections...) [)]``.

    ``file`` is the file-name wildcard (``*``, ``foo.o``, ``lib.a:m.o``);
    ``exclude_files`` an ``EXCLUDE_FILE`` before the file pattern;
    ``sections`` empty means "every section of matching files";
    ``flags`` the ``INPUT_SECTION_FLAGS`` terms (``SHF_WRITE``, ``!SHF_EXECINSTR``).
    ``text`` is the description as written in the (preprocessed) script;
    ``offset``/``end`` its byte span there, for macro attribution and fixes.
    """

    file: str
    sections: tuple[SectionPattern, ...]
    keep: bool
    location: Location
    text: str
    exclude_files: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    file_sort: tuple[str, ...] = ()
    offset: int = 0
    end: int = 0


@dataclass(frozen=True, slots=True)
class Data:
    """``BYTE(e)``, ``SHORT``, ``LONG``, ``QUAD``, ``SQUAD``, ``ASCIZ "s"``, ``FILL(e)``."""

    kind: str
    value: Expr
    location: Location


@dataclass(frozen=True, slots=True)
class Keyword:
    """A bare keyword statement: ``CREATE_OBJECT_SYMBOLS``, ``CONSTRUCTORS``, ``FORCE_COMMON_ALLOCATION``…"""

    name: str
    location: Location


OutputCommand = Union[Assignment, Assert, InputSection, Data, Keyword]


@dataclass(frozen=True, slots=True)
class OutputSection:
    """``name [addr] [(type)] : [AT(lma)] [ALIGN(a)] [SUBALIGN(s)] [constraint] { ... } [>r] [AT>r] [:ph] [=fill]``."""

    name: str
    commands: tuple[OutputCommand, ...]
    location: Location
    address: Expr | None = None
    type: str = ""
    lma: Expr | None = None
    align: Expr | None = None
    subalign: Expr | None = None
    constraint: str = ""
    region: str = ""
    lma_region: str = ""
    phdrs: tuple[str, ...] = ()
    fill: Expr | None = None
    in_overlay: bool = False


@dataclass(frozen=True, slots=True)
class Overlay:
    """``OVERLAY [start] : [NOCROSSREFS] [AT(lma)] { sections } [>region] [:phdr] [=fill]``."""

    sections: tuple[OutputSection, ...]
    location: Location
    start: Expr | None = None
    nocrossrefs: bool = False
    lma: Expr | None = None
    region: str = ""
    lma_region: str = ""
    phdrs: tuple[str, ...] = ()
    fill: Expr | None = None


SectionsCommand = Union[Assignment, Assert, OutputSection, Overlay, Keyword]


@dataclass(frozen=True, slots=True)
class Sections:
    """A ``SECTIONS { ... }`` block."""

    commands: tuple[SectionsCommand, ...]
    location: Location


@dataclass(frozen=True, slots=True)
class MemoryRegion:
    """``name [(attr)] : ORIGIN = e, LENGTH = e`` inside MEMORY."""

    name: str
    attributes: str
    origin: Expr
    length: Expr
    location: Location


@dataclass(frozen=True, slots=True)
class Memory:
    """A ``MEMORY { ... }`` block."""

    regions: tuple[MemoryRegion, ...]
    location: Location


@dataclass(frozen=True, slots=True)
class Phdr:
    """``name type [FILEHDR] [PHDRS] [AT(addr)] [FLAGS(f)] ;`` inside PHDRS."""

    name: str
    type: str
    location: Location
    filehdr: bool = False
    phdrs: bool = False
    at: Expr | None = None
    flags: Expr | None = None


@dataclass(frozen=True, slots=True)
class Phdrs:
    """A ``PHDRS { ... }`` block."""

    headers: tuple[Phdr, ...]
    location: Location


@dataclass(frozen=True, slots=True)
class Command:
    """A top-level command with name-like arguments.

    ``ENTRY``, ``INPUT``, ``GROUP``, ``AS_NEEDED``, ``OUTPUT``, ``OUTPUT_ARCH``,
    ``OUTPUT_FORMAT``, ``TARGET``, ``SEARCH_DIR``, ``STARTUP``, ``EXTERN``,
    ``NOCROSSREFS``, ``NOCROSSREFS_TO``, ``REGION_ALIAS``, ``LD_FEATURE``,
    ``INSERT`` (args ``AFTER``/``BEFORE`` and the section), ``VERSION``
    (its body is kept verbatim as one argument).
    """

    name: str
    args: tuple[str, ...]
    location: Location


TopCommand = Union[Command, Sections, Memory, Phdrs, Assignment, Assert, Keyword]


@dataclass(frozen=True, slots=True)
class Script:
    """A parsed script: its top-level commands, in order, with INCLUDEd files spliced in."""

    path: str
    commands: tuple[TopCommand, ...] = field(default=())
