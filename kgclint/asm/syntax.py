"""Per-architecture lexical rules of GNU as: comments, statement separators, type prefixes.

Each claim here is proved in tests/test_asm_syntax.py by assembling with the
real (cross) assembler of that architecture. The binutils manual lists them
under "Machine Dependencies", "Syntax", "Special Characters".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AsmSyntax:
    """The characters that end a statement or start a comment for one target.

    ``comment`` strings start a comment anywhere on a line; ``line_comment``
    characters start one only as the first non-blank character of a line;
    ``separator`` ends a statement like a newline; ``type_prefixes`` are the
    characters that may introduce a section type (``@progbits``): ``@`` is
    not one on ARM, where it starts a comment. ``immediate`` is the prefix
    that makes an operand an immediate, when it is also a character symbol
    names may start with: x86's ``$`` (``movl $sym, %eax`` references
    ``sym``), while on MIPS ``$sp`` names a register.
    """

    arch: str
    comment: tuple[str, ...]
    line_comment: str
    separator: str
    type_prefixes: str
    immediate: str = ""


_SYNTAX = {
    # x86: '#' comments anywhere, '/' only at the start of a line (Linux ELF targets).
    "x86": AsmSyntax("x86", ("#",), "#/", ";", "@%", immediate="$"),
    # ARM: '@' comments anywhere, '//' too; '#' only at the start of a line (an immediate elsewhere).
    "arm": AsmSyntax("arm", ("@", "//"), "#", ";", "%"),
    # AArch64: '//' comments anywhere; '#' only at the start of a line.
    "arm64": AsmSyntax("arm64", ("//",), "#", ";", "@%"),
    # ARC: '`' separates statements (the kernel's ASM_NL there); ';' and '#' comment anywhere.
    "arc": AsmSyntax("arc", ("#", ";"), "#", "`", "@%"),
    "riscv": AsmSyntax("riscv", ("#",), "#", ";", "@%"),
    "alpha": AsmSyntax("alpha", ("#",), "#", ";", "@%"),
    # PA-RISC: '!' separates statements (the kernel's ASM_NL there); ';' comments anywhere, '#' at a line's start.
    "parisc": AsmSyntax("parisc", (";",), "#", "!", "@%"),
    # m68k: '|' comments anywhere; '#' (an immediate elsewhere) only at a line's start.
    "m68k": AsmSyntax("m68k", ("|",), "#", ";", "@%"),
    # SuperH and SPARC: '!' comments anywhere; '#' only at a line's start.
    "sh": AsmSyntax("sh", ("!",), "#", ";", "@%"),
    "sparc": AsmSyntax("sparc", ("!",), "#", ";", "@%"),
    "powerpc": AsmSyntax("powerpc", ("#",), "#", ";", "@%"),
    "mips": AsmSyntax("mips", ("#",), "#", ";", "@%"),
    "s390": AsmSyntax("s390", ("#",), "#", ";", "@%"),
}

#: Kernel and toolchain spellings of the same target.
_ALIASES = {
    "x86_64": "x86", "i386": "x86", "i686": "x86", "amd64": "x86", "um": "x86",
    "aarch64": "arm64", "riscv64": "riscv", "riscv32": "riscv",
    "ppc": "powerpc", "ppc64": "powerpc", "ppc64le": "powerpc",
    "mips64": "mips", "mipsel": "mips", "s390x": "s390",
    "hppa": "parisc", "parisc64": "parisc", "sh4": "sh", "sparc64": "sparc", "sparc32": "sparc",
}

#: When the arch is unknown: only what every target above agrees on, so that
#: nothing is cut as a comment that some target would assemble.
GENERIC = AsmSyntax("generic", (), "#", ";", "@%")


def normalise_arch(arch: str | None) -> str | None:
    """The kernel arch name for a toolchain or kernel spelling (``aarch64`` → ``arm64``)."""
    if arch is None:
        return None
    return _ALIASES.get(arch, arch)


def syntax_for(arch: str | None) -> AsmSyntax:
    """The syntax of ``arch``; GENERIC when it is None or not one kgclint knows."""
    name = normalise_arch(arch)
    return _SYNTAX.get(name or "", GENERIC)


def known_arches() -> tuple[str, ...]:
    """The architectures whose syntax is modelled (and proved by tests)."""
    return tuple(sorted(_SYNTAX))
