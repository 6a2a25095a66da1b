"""ELF machines kgclint knows: their arch names and their limited-range branch relocations.

Relocation numbers are from each psABI (the same values binutils'
``include/elf/<arch>.h`` and pyelftools' enums use).
"""

from __future__ import annotations

from dataclasses import dataclass

EM_386 = 3
EM_MIPS = 8
EM_PPC = 20
EM_PPC64 = 21
EM_ARM = 40
EM_X86_64 = 62
EM_AARCH64 = 183
EM_RISCV = 243

#: e_machine → kgclint's (Kbuild's ARCH=) name.
ARCH_OF_MACHINE: dict[int, str] = {
    EM_386: "x86",
    EM_X86_64: "x86",
    EM_ARM: "arm",
    EM_AARCH64: "arm64",
    EM_RISCV: "riscv",
    EM_PPC: "powerpc",
    EM_PPC64: "powerpc",
    EM_MIPS: "mips",
}


@dataclass(frozen=True, slots=True)
class BranchReloc:
    """A PC-relative branch relocation whose reach is limited: its name and reach in bytes (±)."""

    name: str
    reach: int


#: (e_machine, r_type) → branch relocation with a limited reach. A target
#: further away than ``reach`` needs a veneer/trampoline the linker may not
#: make in an incremental (``ld -r``) link.
BRANCH_RELOCS: dict[tuple[int, int], BranchReloc] = {
    (EM_ARM, 28): BranchReloc("R_ARM_CALL", 32 << 20),
    (EM_ARM, 29): BranchReloc("R_ARM_JUMP24", 32 << 20),
    (EM_ARM, 30): BranchReloc("R_ARM_THM_JUMP24", 16 << 20),
    (EM_ARM, 10): BranchReloc("R_ARM_THM_CALL", 4 << 20),
    (EM_ARM, 1): BranchReloc("R_ARM_PC24", 32 << 20),
    (EM_ARM, 27): BranchReloc("R_ARM_PLT32", 32 << 20),
    (EM_ARM, 102): BranchReloc("R_ARM_THM_JUMP11", 2 << 10),
    (EM_ARM, 103): BranchReloc("R_ARM_THM_JUMP8", 1 << 8),
    (EM_ARM, 24): BranchReloc("R_ARM_THM_JUMP19", 1 << 20),
    (EM_AARCH64, 282): BranchReloc("R_AARCH64_JUMP26", 128 << 20),
    (EM_AARCH64, 283): BranchReloc("R_AARCH64_CALL26", 128 << 20),
    (EM_AARCH64, 280): BranchReloc("R_AARCH64_CONDBR19", 1 << 20),
    (EM_AARCH64, 279): BranchReloc("R_AARCH64_TSTBR14", 32 << 10),
    (EM_PPC64, 10): BranchReloc("R_PPC64_REL24", 32 << 20),
    (EM_PPC64, 11): BranchReloc("R_PPC64_REL14", 32 << 10),
    (EM_PPC64, 12): BranchReloc("R_PPC64_REL14_BRTAKEN", 32 << 10),
    (EM_PPC64, 13): BranchReloc("R_PPC64_REL14_BRNTAKEN", 32 << 10),
    (EM_PPC, 10): BranchReloc("R_PPC_REL24", 32 << 20),
    (EM_PPC, 11): BranchReloc("R_PPC_REL14", 32 << 10),
    (EM_RISCV, 16): BranchReloc("R_RISCV_BRANCH", 4 << 10),
    (EM_RISCV, 17): BranchReloc("R_RISCV_JAL", 1 << 20),
    (EM_RISCV, 44): BranchReloc("R_RISCV_RVC_BRANCH", 256),
    (EM_RISCV, 45): BranchReloc("R_RISCV_RVC_JUMP", 2 << 10),
    (EM_MIPS, 4): BranchReloc("R_MIPS_26", 128 << 20),
    (EM_MIPS, 10): BranchReloc("R_MIPS_PC16", 128 << 10),
}


def arch_of_machine(machine: int) -> str | None:
    """kgclint's arch name for an e_machine, or None."""
    return ARCH_OF_MACHINE.get(machine)
