"""KGC305: limited-range branches inside sections too large for the linker to put a thunk within reach."""

from __future__ import annotations

from collections.abc import Iterable

from kgclint.elf.facts import SHF_EXECINSTR, SHN_UNDEF, ObjectFacts
from kgclint.elf.machines import BRANCH_RELOCS
from kgclint.findings import Finding, Severity
from kgclint.inputs import InputKind
from kgclint.location import Location
from kgclint.project import Project
from kgclint.rule import Rule


def stranded_branches(facts: ObjectFacts) -> dict[tuple[int, str], list[int]]:
    """(section index, relocation name) → offsets of branches no range-extension thunk can reach.

    A linker fixes a branch whose target is too far by sending it through a
    thunk (veneer, long-branch stub) placed *between* input sections. In an
    input section larger than the branch's reach, a branch further than its
    reach from both ends of the section has no such place: unless its
    target lies in the same section within reach, the final link fails
    ("relocation truncated to fit", ld.lld: "InputSection too large for
    range extension thunk"). ``ld -r`` makes such sections by merging
    every input section of one name into one.
    """
    machine = facts.machine
    reaches = {t: b for (m, t), b in BRANCH_RELOCS.items() if m == machine}
    if not reaches:
        return {}
    smallest = min(b.reach for b in reaches.values())
    syms = facts.symbols
    found: dict[tuple[int, str], list[int]] = {}
    for r in facts.relocations:
        section = facts.sections[r.target]
        if not section.flags & SHF_EXECINSTR or section.size <= smallest:
            continue
        size = section.size
        for n, rtype in enumerate(r.types):
            branch = reaches.get(rtype & 0xFF)
            if branch is None or size <= branch.reach:
                continue
            offset = r.offsets[n]
            if min(offset, size - offset) <= branch.reach:
                continue
            row = r.symbols[n]
            if row < len(syms) and syms.shndx[row] == r.target and syms.shndx[row] != SHN_UNDEF:
                target = syms.values[row] + (r.addends[n] if len(r.addends) == len(r) else 0)
                if abs(target - offset) <= branch.reach:
                    continue
            found.setdefault((r.target, branch.name), []).append(offset)
    return found


class BranchRange(Rule):
    """Limited-range branch relocations stranded in an input section larger than their reach.

    What it finds:
    In each object (``vmlinux.o`` and other ``ld -r`` outputs especially),
    executable sections larger than the reach of the PC-relative branch
    relocations they contain (``R_PPC64_REL14`` ±32 KiB, ``R_PPC64_REL24``
    and ARM ``R_ARM_JUMP24``/``R_ARM_CALL`` ±32 MiB, ``R_AARCH64_CALL26``
    ±128 MiB, RISC-V ``JAL`` ±1 MiB …) and the branches in them that lie
    further than that reach from both ends of the section, to a target
    outside it or out of reach inside it.

    Why it breaks a kernel:
    The final link extends a branch's reach with a thunk (veneer, long-branch
    stub) between input sections. An incremental link (``ld -r``) merges
    every input section of one name into one; inside a merged section larger
    than the reach there is nowhere to put the thunk, and the final link
    fails with "relocation truncated to fit" (GNU ld) or "InputSection too
    large for range extension thunk" (ld.lld) as soon as the kernel grows
    past the limit (seed 003: powerpc ``R_PPC64_REL14``).

    Example:
    A ``built-in.o`` whose merged ``.text`` is 80 KiB with a conditional
    branch ``beq far_target`` at 40 KiB: linked directly the objects leave
    room for a stub; linked after ``ld -r`` they do not.

    Fix:
    Do not merge code with ``ld -r`` before the final link (link archives
    of the objects, as Kbuild does since 4.13), build with
    ``-ffunction-sections`` so every function is its own input section, or
    use a branch form with a longer reach (an unconditional ``b`` around
    the far call, ``-mlongcall``).
    """

    code = "KGC305"
    name = "branch-out-of-range"
    severity = Severity.WARNING
    needs = frozenset({InputKind.OBJECT})

    def check(self, project: Project) -> Iterable[Finding]:
        for facts in project.facts(InputKind.OBJECT):
            for (index, name), offsets in sorted(stranded_branches(facts).items()):
                section = facts.sections[index]
                reach = next(b.reach for (m, _t), b in BRANCH_RELOCS.items() if m == facts.machine and b.name == name)
                message = (
                    f"{len(offsets)} {name} branch(es) (reach ±{_size(reach)}) in {section.name} of {facts.path} "
                    f"({_size(section.size)}) lie beyond their reach from both ends of the section, first at "
                    f"{section.name}+{offsets[0]:#x}: the final link has no place for a range-extension thunk"
                )
                yield self.finding(message, Location(facts.path),
                                   properties={"relocation": name, "section": section.name, "count": str(len(offsets))})


def _size(n: int) -> str:
    for unit, size in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} bytes"
