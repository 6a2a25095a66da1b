"""The kinds of input kgclint reads, and how a file's kind is told from its name."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class InputKind(StrEnum):
    """What a front-end reads. Rules name the kinds they need."""

    C = "c"                  # .c and .h files
    ASM = "asm"              # .S and .s files
    LINKER_SCRIPT = "lds"    # .lds, .lds.S, .ld
    OBJECT = "object"        # ELF relocatable objects, vmlinux.o
    ARCHIVE = "archive"      # ar archives, regular or thin (built-in.a, lib.a)
    KBUILD = "kbuild"        # Makefile, Kbuild
    CONFIG = "config"        # .config


_SUFFIX_KINDS: tuple[tuple[str, InputKind], ...] = (
    (".lds.S", InputKind.LINKER_SCRIPT),
    (".lds", InputKind.LINKER_SCRIPT),
    (".ld", InputKind.LINKER_SCRIPT),
    (".c", InputKind.C),
    (".h", InputKind.C),
    (".S", InputKind.ASM),
    (".s", InputKind.ASM),
    (".o", InputKind.OBJECT),
    (".a", InputKind.ARCHIVE),
)

_NAME_KINDS = {
    "Makefile": InputKind.KBUILD,
    "Kbuild": InputKind.KBUILD,
    ".config": InputKind.CONFIG,
}


def kind_of(name: str) -> InputKind | None:
    """The kind of a file from its base name, or None when kgclint does not read it."""
    kind = _NAME_KINDS.get(name)
    if kind is not None:
        return kind
    for suffix, kind in _SUFFIX_KINDS:
        if name.endswith(suffix) and len(name) > len(suffix):
            return kind
    return None


@dataclass(frozen=True, slots=True)
class SourceInput:
    """One file handed to a front-end: its tree-relative path, its bytes, and the target arch.

    ``arch`` is the architecture the file is compiled for: from ``--arch``,
    or from an ``arch/<name>/`` path component, or None when neither says.
    """

    path: str
    data: bytes
    arch: str | None
