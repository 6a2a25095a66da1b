"""KGC303: an ``ld -r`` output, or the objects going into one, near or past 65280 sections."""

from __future__ import annotations

from collections.abc import Iterable

from kgclint.analysis.gc import LinkObject, ProjectLink, load_inputs
from kgclint.elf.facts import SECTION_INDEX_LIMIT
from kgclint.elf.relocatable import relocatable_section_count
from kgclint.findings import Finding, Severity
from kgclint.inputs import InputKind
from kgclint.location import Location
from kgclint.project import Project
from kgclint.rule import Rule

#: A count at or above this share of the limit is reported as "near".
NEAR = 0.9
#: Objects link-vmlinux.sh adds to the final link that are not part of vmlinux.o.
_NOT_IN_VMLINUX_O = ("init/version-timestamp.o", ".vmlinux.export.o", ".tmp_vmlinux", ".btf.vmlinux")


class SectionLimit(Rule):
    """Objects with, or ``ld -r`` links heading for, more sections than ELF's 16-bit section index holds.

    What it finds:
    An object (``vmlinux.o``, a ``built-in.o``, any ``.o``) whose section
    count is at or past 65280 (SHN_LORESERVE), or at 90 % of it; and, in a
    build directory, the ``ld -r`` that makes ``vmlinux.o`` when the
    sections its inputs would produce reach that count (computed exactly as
    ``ld -r`` merges them: one output section per name, one relocation
    section per output section, one per group). The largest contributors
    are named.

    Why it breaks a kernel:
    Past 65279 sections ELF needs the SHN_XINDEX escape: ``e_shnum`` becomes
    0 and section indexes move to an extra table. Old binutils stop with
    "Too many sections", and every tool that reads ``e_shnum`` or 16-bit
    ``st_shndx`` directly (post-link scripts, objtool-like checkers,
    out-of-tree tools) misreads the file. ``-ffunction-sections
    -fdata-sections`` multiply the count: every function and object is a
    section, plus its relocation section.

    Example:
    An allyesconfig with ``LD_DEAD_CODE_DATA_ELIMINATION``: ``vmlinux.o``
    from ``ld -r`` holds one ``.text.<fn>`` per function of the kernel.

    Fix:
    Link ``vmlinux.a`` directly instead of an ``ld -r`` output (Kbuild does
    since 5.x for the final link), keep per-function sections out of
    intermediate ``ld -r`` steps, or make sure every tool in the chain
    handles SHN_XINDEX.
    """

    code = "KGC303"
    name = "section-count-limit"
    severity = Severity.WARNING
    needs = frozenset({InputKind.OBJECT, InputKind.ARCHIVE})

    def check(self, project: Project) -> Iterable[Finding]:
        for facts in project.facts(InputKind.OBJECT):
            if facts.shnum >= NEAR * SECTION_INDEX_LIMIT:
                yield self._finding(facts.shnum, Location(facts.path), f"{facts.path} has", [])
        if project.options.build_dir is None:
            return
        link = project.analysis(ProjectLink)
        objects, _ = load_inputs(link.inputs)
        inputs = [o for o in objects if not o.name.startswith(_NOT_IN_VMLINUX_O)]
        count = relocatable_section_count(o.facts for o in inputs)
        if count >= NEAR * SECTION_INDEX_LIMIT:
            yield self._finding(count, Location("vmlinux.o"), f"ld -r of vmlinux.a and the libraries ({len(inputs)} objects) makes", inputs)

    def _finding(self, count: int, location: Location, subject: str, inputs: list[LinkObject]) -> Finding:
        past = count >= SECTION_INDEX_LIMIT
        state = "past" if past else "near"
        message = f"{subject} {count} sections, {state} the {SECTION_INDEX_LIMIT} that fit ELF's 16-bit section index"
        if inputs:
            biggest = sorted(inputs, key=lambda o: -o.facts.shnum)[:3]
            message += "; largest inputs: " + ", ".join(f"{o.name} ({o.facts.shnum})" for o in biggest)
        return self.finding(message, location, severity=Severity.ERROR if past else Severity.WARNING,
                            properties={"sections": str(count), "state": state})
