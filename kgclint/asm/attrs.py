"""The flags and type a section gets: from an assembler directive, from its name, or from GCC.

Three sources decide a section's ELF attributes, and kgclint compares them
across definitions (KGC106):

* an explicit ``.section name,"flags",@type`` (``asm_attrs``);
* the assembler's defaults for a name given without flags (``as_default``),
  from BFD's table of special section names: ``.text``/``.text.*`` is
  ``ax``, ``.note*`` is ``SHT_NOTE``, an unknown name gets no flags at all;
* GCC's choice for a C object or function placed with
  ``__attribute__((section))`` (``gcc_attrs``): ``ax`` for a function,
  ``a`` for a const object, ``aw`` otherwise, ``@nobits`` for ``.bss``
  names, and no type for names whose type the assembler knows.

tests/test_asm_attrs.py proves each model against the real assembler and
GCC by reading the objects they produce.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Flag letters compared across definitions: alloc, write, exec, TLS, retain (SHF_GNU_RETAIN).
COMPARED_FLAGS = frozenset("awxTR")

#: (name, match) → (flags, type). match: "exact", "dot" (name or name + ".…"), "prefix" (any suffix).
_SPECIAL: tuple[tuple[str, str, str, str], ...] = (
    (".text", "dot", "ax", "progbits"),
    (".data.rel.ro", "dot", "aw", "progbits"),
    (".data", "dot", "aw", "progbits"),
    (".data1", "exact", "aw", "progbits"),
    (".rodata", "dot", "a", "progbits"),
    (".rodata1", "exact", "a", "progbits"),
    (".bss", "dot", "aw", "nobits"),
    (".noinit", "dot", "aw", "nobits"),
    (".persistent", "dot", "aw", "progbits"),
    (".tdata", "dot", "awT", "progbits"),
    (".tbss", "dot", "awT", "nobits"),
    (".init_array", "dot", "aw", "init_array"),
    (".fini_array", "dot", "aw", "fini_array"),
    (".preinit_array", "dot", "aw", "preinit_array"),
    (".init", "exact", "ax", "progbits"),
    (".fini", "exact", "ax", "progbits"),
    (".note", "prefix", "", "note"),
)


@dataclass(frozen=True, slots=True)
class SectionAttrs:
    """A section's compared flags (letters of COMPARED_FLAGS) and ELF type name (``progbits``, ``note``…)."""

    flags: frozenset[str]
    type: str

    def describe(self) -> str:
        """``"aw",@progbits`` style, flags in a fixed order."""
        letters = "".join(c for c in "awxTR" if c in self.flags)
        return f'"{letters}",@{self.type}'


def _special(name: str) -> tuple[str, str] | None:
    for special, match, flags, stype in _SPECIAL:
        if name == special:
            return flags, stype
        if match == "dot" and name.startswith(special + "."):
            return flags, stype
        if match == "prefix" and name.startswith(special):
            return flags, stype
    return None


#: Section type names the assembler knows; any other word only draws a warning and the default type.
KNOWN_TYPES = frozenset({"progbits", "nobits", "note", "init_array", "fini_array", "preinit_array"})


def type_name(written: str | None) -> str | None:
    """``@progbits``/``%note``/``"nobits"`` → ``progbits``/``note``/``nobits``.

    None when nothing is written or the word is not a type the assembler
    knows (it then warns "unrecognized section type" and keeps the
    default); a number (``@0x70000001``) is kept as written.
    """
    if written is None:
        return None
    text = written.strip().strip('"').lstrip("@%").strip().lower()
    if text in KNOWN_TYPES or text[:1].isdigit():
        return text
    return None


def as_default(name: str) -> SectionAttrs:
    """What the assembler gives ``.section name`` when no flags are written and the name is new."""
    special = _special(name)
    if special is None:
        return SectionAttrs(frozenset(), "progbits")
    flags, stype = special
    return SectionAttrs(frozenset(flags), stype)


def asm_attrs(name: str, flags: str | None, section_type: str | None) -> SectionAttrs | None:
    """The attributes an explicit directive gives; None when it writes no flags (it inherits)."""
    if flags is None:
        return None
    stype = type_name(section_type) or as_default(name).type
    return SectionAttrs(frozenset(flags) & COMPARED_FLAGS, stype)


def gcc_attrs(name: str, what: str, const: bool, retain: bool = False) -> SectionAttrs:
    """The attributes GCC writes for a function or object placed in section ``name`` (non-PIC code).

    A function gets ``ax``; a const object ``a``; any other object ``aw``.
    GCC marks ``.bss``-named sections ``@nobits``, and leaves the type to
    the assembler for names it knows (``.note*``, ``.init_array``…).
    """
    if what == "function":
        flags = "ax"
    elif const:
        flags = "a"
    else:
        flags = "aw"
    if retain:
        flags += "R"
    special = _special(name)
    if special is not None and special[1] not in ("progbits", "nobits"):
        stype = special[1]
    elif name == ".bss" or name.startswith((".bss.", ".sbss", ".tbss")):
        stype = "nobits"
    else:
        stype = "progbits"
    return SectionAttrs(frozenset(flags), stype)
