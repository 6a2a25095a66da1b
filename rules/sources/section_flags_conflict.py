"""KGC106: one section name defined with different flags or type in different places."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from kgclint.analysis.tables import placement_arch, use_arch
from kgclint.asm.attrs import SectionAttrs, asm_attrs, gcc_attrs
from kgclint.asm.expand import ExpandedAsmFiles
from kgclint.asm.hack import gcc_view
from kgclint.asm.scanner import SectionSwitch
from kgclint.findings import Finding, Severity
from kgclint.inputs import InputKind
from kgclint.location import Location, Related
from kgclint.placement import SectionPlacement, placement_name
from kgclint.project import Project
from kgclint.rule import Rule


@dataclass(frozen=True, slots=True)
class Definition:
    """One place that gives section ``section`` its attributes, for the target ``arch`` (None: any)."""

    section: str
    attrs: SectionAttrs
    location: Location
    arch: str | None
    origin: str


def switch_definitions(switches: Iterable[SectionSwitch], arch: str | None, origin: str) -> Iterator[Definition]:
    """Definitions from assembler directives that write their flags (a flagless one inherits)."""
    seen: set[tuple[str, SectionAttrs]] = set()
    for switch in switches:
        if switch.directive not in (".section", ".pushsection") or switch.section is None or switch.junk:
            continue
        attrs = asm_attrs(switch.section, switch.flags, switch.section_type)
        if attrs is None or (switch.section, attrs) in seen:
            continue
        seen.add((switch.section, attrs))
        yield Definition(switch.section, attrs, switch.location, arch, origin)


def emits_section(placement: SectionPlacement, defined: set[tuple[str, str]]) -> bool:
    """Whether GCC writes a section for a C placement: a definition, not an ``extern`` declaration.

    Only placements whose symbol the file defines (a function with a
    body, an object with storage) count; a prototype or an ``extern``
    declaration carrying ``__init`` emits nothing, and neither does text
    the C front-end could not tie to a definition.
    """
    if placement.origin != "c" or placement.what not in ("function", "object") or placement.storage == "extern":
        return False
    return placement.symbol is not None and (placement.symbol, placement.what) in defined


def placement_definition(placement: SectionPlacement, arch: str | None) -> Definition | None:
    """The definition GCC writes for a C placement (through the asm-comment hack when there is one)."""
    what = "function" if placement.what == "function" else "object"
    if "," in placement.section:
        view = gcc_view(placement.section, arch, what, placement.const)
        if view.rejected or view.attrs is None or view.name is None:
            return None
        return Definition(view.name, view.attrs, placement.location, arch, "c")
    name = placement_name(placement.section)
    return Definition(name, gcc_attrs(name, what, placement.const, placement.retain), placement.location, arch, "c")


def _compatible(a: str | None, b: str | None) -> bool:
    """Two definitions meet in one link when they are for the same arch or one is arch-independent."""
    return a is None or b is None or a == b


def conflicts(definitions: Sequence[Definition]) -> Iterator[tuple[Definition, Definition, int]]:
    """(odd one out, a definition with the usual attributes, how many have those) per conflicting definition.

    Among the definitions of a name that can meet a given one in a link
    (same arch, or arch-independent), the attributes most of them share are
    the usual ones (ties: the first in location order); every definition
    with other attributes is reported once.
    """
    by_name: dict[str, list[Definition]] = defaultdict(list)
    for d in definitions:
        by_name[d.section].append(d)
    for name in sorted(by_name):
        group = sorted(by_name[name], key=lambda d: d.location)
        if len({d.attrs for d in group}) < 2:
            continue
        usual_for: dict[str | None, tuple[Definition, int] | None] = {}
        for d in group:
            if d.arch not in usual_for:
                pool = [r for r in group if _compatible(r.arch, d.arch)]
                counts = Counter(r.attrs for r in pool)
                best = max(counts.values())
                first = next(r for r in pool if counts[r.attrs] == best)
                usual_for[d.arch] = (first, best) if len(counts) > 1 else None
            usual = usual_for[d.arch]
            if usual is not None and d.attrs != usual[0].attrs:
                yield d, usual[0], usual[1]


def describe(d: Definition, rival: Definition, count: int) -> tuple[str, Severity]:
    """The message for a definition that disagrees with the usual attributes of its section."""
    mine, theirs = d.attrs, rival.attrs
    parts = []
    if mine.type != theirs.type:
        parts.append(f"type @{mine.type} instead of @{theirs.type}")
    for letter, meaning in (("a", "allocated"), ("w", "writable"), ("x", "executable"), ("R", "retained (R)"), ("T", "TLS")):
        if (letter in mine.flags) != (letter in theirs.flags):
            parts.append(f"{'' if letter in mine.flags else 'not '}{meaning}")
    others = f"{count} other definition{'s' if count > 1 else ''}"
    if mine.type != theirs.type:
        effect = ("GNU ld keeps the two types apart (two output sections of one name, so boundary symbols cover "
                  "one part), ld.lld merges them, and --gc-sections keeps SHT_NOTE parts and drops the others")
        severity = Severity.ERROR
    else:
        effect = ("the assembler rejects the mix inside one object, and the linkers silently merge the flags "
                  "across objects, so read-only data becomes writable or data executable")
        severity = Severity.WARNING
    return (
        f"section {d.section} is {mine.describe()} here ({', '.join(parts)}) but {theirs.describe()} in "
        f"{others}; {effect}"
    ), severity


class SectionFlagsConflict(Rule):
    """One section name given different flags or types by different definitions.

    What it finds:
    A section name that C definitions (GCC writes ``"ax"`` for a function,
    ``"a"`` for a const object, ``"aw"`` for others; declarations emit
    nothing), inline asm and ``.S`` files define with different ELF
    attributes: ``@note`` here and
    ``@progbits`` there, writable here and read-only there, executable,
    allocated or retained (``R``) in some definitions only. Definitions for
    different architectures are not compared.

    Why it breaks a kernel:
    Inside one object the assembler rejects the mix ("changed section
    attributes", "changed section type"), and GCC reports "section type
    conflict". Across objects nothing complains: GNU ld places inputs of
    different types into separate output sections of the same name, so the
    ``__start_``/``__stop_`` or script symbols around it see only part of
    the table; ld.lld merges them into one; and ``--gc-sections`` always
    keeps ``SHT_NOTE`` inputs but drops unreferenced ``PROGBITS`` ones, so
    half of a table survives. Differing flags are merged silently: const
    data becomes writable, or data executable.

    Example:
    drivers/a.c:  static const struct ent a __used __section(".tbl") = {…};   /* "a" */
    drivers/b.c:  static struct ent b __used __section(".tbl") = {…};         /* "aw" */

    Fix:
    Give every definition the same attributes: make the table entries
    ``const`` everywhere (or nowhere), spell the same flags and type in
    asm (``.pushsection .tbl,"a"``), and do not mix ``@note`` with
    ``@progbits``; keep the table with ``KEEP()`` instead of a note type.
    """

    code = "KGC106"
    name = "section-flags-conflict"
    severity = Severity.WARNING
    needs = frozenset({InputKind.C, InputKind.ASM})

    def check(self, project: Project) -> Iterable[Finding]:
        definitions: list[Definition] = []
        for path, facts in sorted(project.analysis(ExpandedAsmFiles).scans.items()):
            definitions.extend(switch_definitions(facts.switches, project.arch_of(path), "asm"))
        if project.facts(InputKind.C):
            from kgclint.analysis.inline_asm import InlineAsmIndex
            from kgclint.analysis.sections import SectionIndex

            for statement in project.analysis(InlineAsmIndex).statements:
                arch = use_arch(project, statement.location.path, statement.macros)
                definitions.extend(switch_definitions(statement.scan.switches, arch, "inline-asm"))
            defined = {
                facts.path: {(d.name, d.kind) for d in facts.definitions} for facts in project.facts(InputKind.C)
            }
            for placement in project.analysis(SectionIndex).placements:
                if not emits_section(placement, defined.get(placement.location.path, set())):
                    continue
                found = placement_definition(placement, placement_arch(project, placement))
                if found is not None:
                    definitions.append(found)
        for d, rival, count in conflicts(definitions):
            message, severity = describe(d, rival, count)
            yield self.finding(
                message, d.location, severity=severity,
                related=(Related(rival.location, f"{d.section} defined {rival.attrs.describe()} here"),),
                properties={"section": d.section, "origin": d.origin},
            )
