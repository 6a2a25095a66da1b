"""Shared helpers of the assembly tests: the real assembler of each arch as the oracle.

(Named test_asm_* so it sits with the files it serves; it holds no tests.)
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile

from kgclint.asm.attrs import SectionAttrs, as_default, asm_attrs
from kgclint.asm.scanner import AsmScan
from toolchain import require

#: The GNU assembler of each arch kgclint models (Debian binutils-<triplet> packages).
ASSEMBLERS = {
    "x86": "as",
    "arm": "arm-linux-gnueabi-as",
    "arm64": "aarch64-linux-gnu-as",
    "arc": "arc-linux-gnu-as",
    "alpha": "alpha-linux-gnu-as",
    "parisc": "hppa-linux-gnu-as",
    "m68k": "m68k-linux-gnu-as",
    "sh": "sh4-linux-gnu-as",
    "sparc": "sparc64-linux-gnu-as",
    "riscv": "riscv64-linux-gnu-as",
    "powerpc": "powerpc64le-linux-gnu-as",
    "mips": "mips-linux-gnu-as",
    "s390": "s390x-linux-gnu-as",
}

_TYPES = {
    "SHT_PROGBITS": "progbits", "SHT_NOTE": "note", "SHT_NOBITS": "nobits",
    "SHT_INIT_ARRAY": "init_array", "SHT_FINI_ARRAY": "fini_array", "SHT_PREINIT_ARRAY": "preinit_array",
}


@dataclass(frozen=True)
class Assembled:
    """What the real assembler made of a text: exit status, messages, and its sections' attributes."""

    returncode: int
    stderr: str
    sections: dict[str, SectionAttrs]


def elf_sections(path: Path) -> dict[str, SectionAttrs]:
    """Section name → compared flags and type, read from an object with pyelftools."""
    out: dict[str, SectionAttrs] = {}
    with path.open("rb") as handle:
        for section in ELFFile(handle).iter_sections():
            flags = section["sh_flags"]
            letters = {
                letter for letter, bit in (
                    ("a", SH_FLAGS.SHF_ALLOC), ("w", SH_FLAGS.SHF_WRITE), ("x", SH_FLAGS.SHF_EXECINSTR),
                    ("T", SH_FLAGS.SHF_TLS), ("R", 0x200000),
                ) if flags & bit
            }
            out[section.name] = SectionAttrs(frozenset(letters), _TYPES.get(section["sh_type"], section["sh_type"]))
    return out


def assemble(arch: str, text: str, tmp_path: Path, name: str = "t") -> Assembled:
    """Assemble ``text`` with the arch's real assembler; sections empty when it fails."""
    tool = require(ASSEMBLERS[arch])
    source = tmp_path / f"{name}.s"
    obj = tmp_path / f"{name}.o"
    source.write_text(text + "\n")
    done = subprocess.run([tool, str(source), "-o", str(obj)], capture_output=True, text=True, check=False)
    sections = elf_sections(obj) if done.returncode == 0 else {}
    return Assembled(done.returncode, done.stderr, sections)


def baseline(arch: str, tmp_path: Path) -> frozenset[str]:
    """The sections the assembler makes for an empty file (.text, .data, attributes …)."""
    return frozenset(assemble(arch, "", tmp_path, name="empty").sections)


def predicted(scan: AsmScan) -> dict[str, SectionAttrs]:
    """The sections and attributes kgclint predicts from a scan: the first definition of a name decides."""
    out: dict[str, SectionAttrs] = {}
    for switch in scan.switches:
        if switch.directive not in (".section", ".pushsection") or switch.section is None:
            continue
        if switch.section in out:
            continue
        out[switch.section] = asm_attrs(switch.section, switch.flags, switch.section_type) or as_default(switch.section)
    return out
