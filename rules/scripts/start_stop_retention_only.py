"""KGC206: a C-identifier-named table kept only by __start_/__stop_ retention."""

from __future__ import annotations

from collections.abc import Iterable

from kgclint.analysis.scripts import ScriptIndex
from kgclint.analysis.tables import C_IDENTIFIER, is_alloc, object_name, placement_scripts, retained_by_flags
from kgclint.findings import Finding, Severity
from kgclint.inputs import InputKind
from kgclint.lds.sources import SourceView
from kgclint.location import Related
from kgclint.placement import SectionPlacement, placement_name
from kgclint.project import Project
from kgclint.rule import Rule


class StartStopRetentionOnly(Rule):
    """A table whose only protection is GNU ld's __start_/__stop_ retention.

    What it finds:
    A section named like a C identifier (mytab, __ksymtab…), filled by the
    sources with entries nothing references by name, walked by code through
    the linker-made __start_<name>/__stop_<name> symbols, and matched by no
    KEEP() pattern: it is an orphan, or its script pattern lacks KEEP and
    keeps the section's own name as output section.

    Why it breaks a kernel:
    GNU ld keeps every input section called <name> when __start_<name> or
    __stop_<name> is referenced (-z nostart-stop-gc, its default). ld.lld 13
    and later default to -z start-stop-gc: the references keep nothing. When
    the script has an output section called <name>, ld.lld still defines
    both symbols and the table is silently empty; when the section is an
    orphan, ld.lld drops it and the link fails ("undefined symbol:
    __start_<name>"). (Both checked with GNU ld 2.40 and ld.lld 14 in
    tests/test_lds_oracle.py.)

    Example:
    static const struct hook h __attribute__((used, section("mytab"))) = {...};
    for (p = __start_mytab; p < __stop_mytab; p++) ...   (no KEEP(*(mytab)))

    Fix:
    Give the table a script description with KEEP: mytab : { KEEP(*(mytab)) },
    or mark each entry __attribute__((retain)) (SHF_GNU_RETAIN).
    """

    code = "KGC206"
    name = "start-stop-retention-only"
    severity = Severity.WARNING
    needs = frozenset({InputKind.LINKER_SCRIPT, InputKind.C, InputKind.ASM, InputKind.KBUILD})

    def check(self, project: Project) -> Iterable[Finding]:
        index = project.analysis(ScriptIndex)
        sources = project.analysis(SourceView)
        referenced = sources.referenced_names
        groups: dict[str, list[SectionPlacement]] = {}
        for placement in sources.placements:
            name = placement_name(placement.section)
            if not C_IDENTIFIER.match(name) or not is_alloc(placement):
                continue
            if f"__start_{name}" not in referenced and f"__stop_{name}" not in referenced:
                continue
            if sources.named(placement) or retained_by_flags(placement):
                continue
            scripts = placement_scripts(index, placement)
            if not scripts:
                continue
            unkept = True
            for info in scripts:
                placed = info.model.place(object_name(placement.location.path), name)
                if placed is not None and (placed.keep or placed.discard or placed.output != name):
                    unkept = False
                if placed is None and index.mentions(info, name):
                    unkept = False  # handled by the script under an option this configuration lacks
            if unkept:
                groups.setdefault(name, []).append(placement)
        lld = project.options.linker == "lld"
        for name, placements in sorted(groups.items()):
            walkers = sorted({loc for s in (f"__start_{name}", f"__stop_{name}") for loc in sources.referencing(s)})
            first = placements[0]
            orphan = any(
                info.model.place(object_name(first.location.path), name) is None
                for info in placement_scripts(index, first)
            )
            if orphan:
                effect = f"ld.lld >= 13 (-z start-stop-gc) drops it and fails the link: undefined symbol __start_{name}"
            else:
                effect = (f"ld.lld >= 13 (-z start-stop-gc) drops it silently: the script's output section {name} "
                          f"still defines the symbols and the table is empty")
            message = (
                f"section {name} ({len(placements)} entr{'y' if len(placements) == 1 else 'ies'}) is kept only because "
                f"code references __start_{name}/__stop_{name}: GNU ld keeps it by default; {effect}"
                + (" — this project links with ld.lld" if lld else "")
            )
            related = [Related(loc, f"walks {name} through __start_{name}/__stop_{name}") for loc in walkers[:5]]
            related += [Related(p.location, f"another entry in {name}") for p in placements[1:6]]
            yield self.finding(
                message, first.location, related=related,
                severity=Severity.ERROR if lld else None,
                properties={"breakage": "loud" if orphan else "silent", "linker": project.options.linker,
                            "section": name},
            )
