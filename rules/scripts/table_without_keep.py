"""KGC201: a table's input-section description without KEEP."""

from __future__ import annotations

from collections.abc import Iterable

from kgclint.analysis.scripts import ScriptIndex, mode_note
from kgclint.analysis.tables import Tables
from kgclint.findings import Finding, Severity
from kgclint.inputs import InputKind
from kgclint.lds.fix import wrap_in_keep
from kgclint.location import Related
from kgclint.project import Project
from kgclint.rule import Rule

#: How many entries and walkers a finding lists as related locations.
SHOWN = 5


class TableWithoutKeep(Rule):
    """A linker-script table whose entries --gc-sections would drop.

    What it finds:
    An input-section description that the script brackets with symbols (or
    whose output section's ADDR/SIZEOF feeds a symbol), that code walks
    through those symbols, whose entries the sources place but never
    reference by name, and that no KEEP() pattern protects. The finding names
    the pattern (and the macro it comes from), the bracketing symbols, where
    the code walks them, the source lines that place entries, and whether a
    script ASSERT makes the drop loud or nothing does (silent).

    Why it breaks a kernel:
    With -ffunction-sections/-fdata-sections and --gc-sections the linker
    keeps only sections reachable from its roots. A table entry is reached
    by nobody: code walks from __start to __stop. Without KEEP the linker
    drops every entry and the kernel links fine but lacks its initcalls,
    fixups or CPU descriptors; on ARM a missing phys-virt patch table gave a
    kernel that printed nothing at all.

    Example:
    __mytab_start = .;
    *(.mytab)            <- entries DEFINE_MYTAB(x) are never referenced by name
    __mytab_end = .;

    Fix:
    Wrap the pattern in KEEP(): KEEP(*(.mytab)). Where the pattern is written
    verbatim (in the script or a macro body) kgclint offers that edit.
    """

    code = "KGC201"
    name = "table-without-keep"
    severity = Severity.ERROR
    needs = frozenset({InputKind.LINKER_SCRIPT, InputKind.C, InputKind.ASM, InputKind.KBUILD})

    def check(self, project: Project) -> Iterable[Finding]:
        index = project.analysis(ScriptIndex)
        for table in project.analysis(Tables).tables:
            candidate = table.candidate
            if table.kind != "table" or not table.unkept or not candidate.script_symbols:
                continue
            if candidate.description.keep and candidate.script.model.keep_effective(candidate.description):
                continue
            node = candidate.description.node
            origin = index.origin(candidate.script, node)
            symbols = ", ".join(candidate.script_symbols)
            loud = table.loud
            breakage = (
                f"loud: the ASSERT at {candidate.guards[0]} fails the link" if loud
                else "silent: nothing checks the table, the kernel just lacks the entries"
            )
            count = len(table.unkept)
            where = f" ({origin.describe()})" if origin.macro else ""
            message = (
                f"table '{node.text}'{where} has no KEEP: {count} "
                f"entr{'y' if count == 1 else 'ies'} placed by the sources and referenced by no name, "
                f"walked through {symbols} (e.g. {table.walkers[0]}), would be dropped by --gc-sections; {breakage}"
                + mode_note(candidate.script)
            )
            related = [Related(loc, f"walks the table through {symbols}") for loc in table.walkers[:SHOWN]]
            related += [Related(p.location, f"places an entry in {p.section}") for p in table.unkept[:SHOWN]]
            if origin.macro:
                related.append(Related(origin.used_at, f"uses macro {origin.chain[0]}"))
            yield self.finding(
                message, origin.location, related=related, fix=wrap_in_keep(node, origin),
                properties={
                    "breakage": "loud" if loud else "silent", "mode": candidate.script.mode,
                    "linker": project.options.linker, "pattern": node.text,
                },
            )
