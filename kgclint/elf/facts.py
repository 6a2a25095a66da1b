"""What kgclint knows about one ELF relocatable object or one ``ar`` archive.

The facts are frozen and picklable (the engine caches them and ships them
between processes). Big tables stay columnar: a symbol table is a handful of
arrays, and each relocation section is three arrays (offset, type, symbol
index), because a kernel's ``vmlinux.o`` has millions of relocations and one
Python object per relocation would cost more than the link itself.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import NamedTuple

from kgclint.findings import Diagnostic

# ELF constants used across kgclint (names as in the ELF specification).
SHT_NULL = 0
SHT_PROGBITS = 1
SHT_SYMTAB = 2
SHT_STRTAB = 3
SHT_RELA = 4
SHT_NOTE = 7
SHT_NOBITS = 8
SHT_REL = 9
SHT_INIT_ARRAY = 14
SHT_FINI_ARRAY = 15
SHT_PREINIT_ARRAY = 16
SHT_GROUP = 17
SHT_SYMTAB_SHNDX = 18
SHT_ARM_EXIDX = 0x70000001

SHF_WRITE = 0x1
SHF_ALLOC = 0x2
SHF_EXECINSTR = 0x4
SHF_MERGE = 0x10
SHF_STRINGS = 0x20
SHF_INFO_LINK = 0x40
SHF_LINK_ORDER = 0x80
SHF_GROUP = 0x200
SHF_COMPRESSED = 0x800
SHF_GNU_RETAIN = 0x200000
SHF_EXCLUDE = 0x80000000

GRP_COMDAT = 0x1

SHN_UNDEF = 0
SHN_LORESERVE = 0xFF00
SHN_ABS = 0xFFF1
SHN_COMMON = 0xFFF2
SHN_XINDEX = 0xFFFF

STB_LOCAL = 0
STB_GLOBAL = 1
STB_WEAK = 2
STB_GNU_UNIQUE = 10

STT_NOTYPE = 0
STT_OBJECT = 1
STT_FUNC = 2
STT_SECTION = 3
STT_FILE = 4

ET_REL = 1

#: Sections numbered at or above this need the SHN_XINDEX escape; GNU ld's
#: "too many sections" limit for ``ld -r`` outputs sits here.
SECTION_INDEX_LIMIT = SHN_LORESERVE


class Section(NamedTuple):
    """One section header. ``size`` is the uncompressed size for SHF_COMPRESSED sections.

    ``group`` is the index of the SHT_GROUP section that lists this section
    (0 when it is in none). A named tuple, not a frozen dataclass: a kernel
    link has tens of thousands of sections, and a frozen dataclass's
    ``__init__`` costs several times a tuple's.
    """

    index: int
    name: str
    type: int
    flags: int
    size: int
    link: int
    info: int
    addralign: int
    entsize: int
    group: int = 0

    @property
    def alloc(self) -> bool:
        """Whether the section occupies memory at run time (the only kind GC removes from kept files)."""
        return bool(self.flags & SHF_ALLOC)


@dataclass(frozen=True, slots=True)
class Group:
    """An SHT_GROUP section: its signature symbol's name, its flags, and its member section indexes."""

    index: int
    signature: str
    flags: int
    members: tuple[int, ...]

    @property
    def comdat(self) -> bool:
        """Whether the linker keeps only the first group with this signature."""
        return bool(self.flags & GRP_COMDAT)


@dataclass(frozen=True, slots=True, eq=False)
class Symbols:
    """The symbol table, one column per field; row 0 is the null symbol.

    ``shndx`` has SHN_XINDEX already resolved through SHT_SYMTAB_SHNDX, so
    it is the real section index (or SHN_UNDEF/SHN_ABS/SHN_COMMON).
    ``first_global`` is the symbol table's sh_info: rows before it are local.
    """

    names: tuple[str, ...]
    values: array
    sizes: array
    info: bytes
    other: bytes
    shndx: array
    first_global: int

    def __len__(self) -> int:
        return len(self.names)

    def bind(self, i: int) -> int:
        """STB_* of symbol ``i``."""
        return self.info[i] >> 4

    def type(self, i: int) -> int:
        """STT_* of symbol ``i``."""
        return self.info[i] & 0xF

    def visibility(self, i: int) -> int:
        """STV_* of symbol ``i``."""
        return self.other[i] & 0x3


EMPTY_SYMBOLS = Symbols((), array("Q"), array("Q"), b"", b"", array("I"), 0)


@dataclass(frozen=True, slots=True, eq=False)
class Relocations:
    """One SHT_REL/SHT_RELA section, decoded in bulk.

    ``section`` is the relocation section's own index, ``target`` the index
    of the section it patches (its sh_info). ``types`` holds the primary
    relocation type; for MIPS64's three-type records the second and third
    types are packed above it (``type | type2 << 8 | type3 << 16``).
    ``symbols`` are symbol table rows. ``addends`` are RELA addends; for 32-bit SHT_REL sections patching data (not code) they are the 32-bit words in place (the implicit addends); otherwise empty.
    """

    section: int
    target: int
    offsets: array
    types: array
    symbols: array
    addends: array

    def __len__(self) -> int:
        return len(self.offsets)

    def __reduce__(self):
        # Rebuilt by the constructor: cheaper than a frozen dataclass's generic __setstate__.
        return (Relocations, (self.section, self.target, self.offsets, self.types, self.symbols, self.addends))


@dataclass(frozen=True, slots=True, eq=False)
class ObjectFacts:
    """Everything the object rules and the GC simulation read from one ELF file.

    ``arch`` is kgclint's architecture name for ``machine`` (``x86``,
    ``arm``, ``arm64``, ``riscv``, ``powerpc``, ``mips`` …) or None for a
    machine kgclint does not know. ``shnum`` counts section headers,
    including the null one, even past SHN_LORESERVE.
    """

    path: str
    diagnostics: tuple[Diagnostic, ...]
    elf_class: int = 0
    little_endian: bool = True
    machine: int = 0
    machine_name: str = ""
    arch: str | None = None
    e_type: int = 0
    e_flags: int = 0
    shnum: int = 0
    sections: tuple[Section, ...] = ()
    symbols: Symbols = EMPTY_SYMBOLS
    relocations: tuple[Relocations, ...] = ()
    groups: tuple[Group, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the file was read as an ELF object at all (it has a section table)."""
        return bool(self.sections)

    def section_name(self, index: int) -> str:
        """The name of section ``index`` ('' when out of range)."""
        if 0 <= index < len(self.sections):
            return self.sections[index].name
        return ""

    def __reduce__(self):
        """Pickle sections as plain tuples: unpickling tens of thousands of named tuples one by one is slow.

        The engine caches facts by pickling them; this keeps a cache hit
        cheaper than reading the object again.
        """
        fields = [getattr(self, name) for name in _OBJECT_FIELDS]
        fields[_SECTIONS_AT] = tuple(map(tuple, self.sections))
        return (_rebuild_object, tuple(fields))


_OBJECT_FIELDS = tuple(ObjectFacts.__dataclass_fields__)
_SECTIONS_AT = _OBJECT_FIELDS.index("sections")


def _rebuild_object(*fields) -> ObjectFacts:
    """ObjectFacts from its pickled fields (sections as plain tuples)."""
    values = list(fields)
    values[_SECTIONS_AT] = tuple(map(Section._make, values[_SECTIONS_AT]))
    return ObjectFacts(*values)


@dataclass(frozen=True, slots=True, eq=False)
class ArchiveMember:
    """One member of an ``ar`` archive.

    In a regular archive ``facts`` holds the member's object facts. In a
    thin archive the member's bytes live in another file: ``path`` is that
    file's path relative to the tree (resolved against the archive's
    directory) and ``facts`` is None, to be read by a project analysis
    (the front-end reads no other file).
    """

    name: str
    size: int
    facts: ObjectFacts | None = None
    path: str | None = None


@dataclass(frozen=True, slots=True, eq=False)
class ArchiveFacts:
    """An ``ar`` archive (``!<arch>`` or thin ``!<thin>``), its members in order, and its symbol index.

    ``index`` maps each symbol named in the archive's symbol table to the
    position (in ``members``) of the member that defines it, first wins,
    which is how a linker picks the member to extract.
    """

    path: str
    diagnostics: tuple[Diagnostic, ...]
    thin: bool = False
    members: tuple[ArchiveMember, ...] = ()
    index: tuple[tuple[str, int], ...] = ()
