"""Build an audit from the project's script models and its table analysis (kgclint.analysis.tables).

Nothing here decides what a table is: the tables analysis derives that
from bracketing symbols and references. This module only gathers, for the
scripts of one arch, every walked description (table, range, or a walked
description kgclint found no entries or no walker for) and every ENTRY, and
states what ``--gc-sections`` does to each, with the places that show it.
"""

from __future__ import annotations

from dataclasses import replace

from kgclint.analysis.scripts import ScriptIndex, ScriptInfo
from kgclint.analysis.tables import Candidate, Table, Tables
from kgclint.audit.model import DROPPED, KEPT, UNKNOWN, Audit, AuditRow, Evidence
from kgclint.lds import ast
from kgclint.lds.fix import wrap_in_keep
from kgclint.location import Location
from kgclint.project import Project

#: How many walkers and entries a row lists as evidence.
SHOWN = 3


def arch_scripts(index: ScriptIndex, arch: str) -> list[ScriptInfo]:
    """The scripts that belong to ``arch``: under ``arch/<arch>/``, or read for it."""
    return [info for info in index.scripts if info.path.startswith(f"arch/{arch}/") or (info.arch == arch and not info.path.startswith("arch/"))]


def build_audit(project: Project, arch: str) -> Audit:
    """The audit of ``arch``; with a build directory in the options, each row also gets its object proof."""
    index = project.analysis(ScriptIndex)
    tables = project.analysis(Tables)
    infos = arch_scripts(index, arch)
    paths = {info.path for info in infos}
    modes = sorted({info.mode for info in infos})
    audit = Audit(arch, project.options.linker, "/".join(modes) or "-", tuple(sorted(paths)))
    by_candidate = {id(t.candidate): t for t in tables.tables}
    proof = None
    if project.options.build_dir is not None:
        from kgclint.audit.proof import object_proof

        proof, note = object_proof(project.options.build_dir, arch, project.options.linker)
        audit.notes.append(note)
    for candidate in tables.candidates:
        if candidate.script.path in paths:
            row = _row(index, tables, candidate, by_candidate.get(id(candidate)))
            if proof is not None:
                row = replace(row, proof=proof.for_description(candidate.script.model, candidate.description.index))
            audit.rows.append(row)
    for info in infos:
        audit.rows.extend(_entry_rows(info))
        audit.notes.extend(f"{info.path}: {note}" for note in info.notes)
        audit.notes.extend(f"{d.location}: {d.message}" for d in info.diagnostics)
    audit.rows = _distinct(audit.rows)
    return audit


def _distinct(rows: list[AuditRow]) -> list[AuditRow]:
    """Rows sorted, each once: all-branches mode can read one description twice (both sides of an #if)."""
    seen: set[tuple] = set()
    kept: list[AuditRow] = []
    for row in sorted(rows, key=AuditRow.sort_key):
        key = (row.kind, row.script, row.location, row.pattern, row.output, row.status, row.entries, row.unkept)
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def _row(index: ScriptIndex, tables: Tables, candidate: Candidate, table: Table | None) -> AuditRow:
    description = candidate.description
    node = description.node
    origin = index.origin(candidate.script, node)
    kept_by_script = description.keep and candidate.script.model.keep_effective(description)
    evidence: list[Evidence] = [Evidence(origin.location, f"pattern {node.text}" + (f" ({origin.describe()})" if origin.macro else ""))]
    if candidate.symbols:
        evidence.append(Evidence(origin.used_at, f"bracketed by {', '.join(candidate.symbols)}"))
    evidence += [Evidence(loc, "ASSERT reads the table: a drop fails the link") for loc in candidate.guards[:SHOWN]]
    walkers = table.walkers if table is not None else tuple(
        loc for name in candidate.symbols for loc in tables.sources.referencing(name)
    )
    evidence += [Evidence(loc, f"walks it through {', '.join(candidate.symbols)}") for loc in walkers[:SHOWN]]
    entries = table.entries if table is not None else ()
    unkept = table.unkept if table is not None else ()
    shown = unkept or entries
    evidence += [Evidence(p.location, f"places an entry in {p.section}" + (" (kept by nothing)" if p in unkept else "")) for p in shown[:SHOWN]]
    kind = table.kind if table is not None else "walked"
    breakage = "-"
    fix = "-"
    if kept_by_script:
        status, reason = KEPT, "KEEP() in the script: GC keeps every matching input section"
    elif table is None:
        status = UNKNOWN
        reason = "no source kgclint read places entries in it" if walkers else "no source kgclint read walks its symbols"
    elif not unkept:
        status, reason = KEPT, (
            "no KEEP, but every entry is referenced by name or retained by its flags (R, o, note)"
        )
    elif table.kind == "range":
        status = UNKNOWN
        reason = (f"a range: members referenced by name are kept on their own; {len(unkept)} of {len(entries)} "
                  f"have no reference kgclint sees")
    else:
        status = DROPPED
        breakage = "loud" if table.loud else "silent"
        reason = (f"{len(unkept)} of {len(entries)} entries are referenced by no name and no KEEP pattern matches them; "
                  + ("an ASSERT fails the link" if table.loud else "nothing checks the table: the kernel silently lacks them"))
        edit = wrap_in_keep(node, origin)
        where = origin.describe() if origin.macro else f"at {origin.location}"
        fix = f"KEEP({node.text}) {where}" + (" (kgclint check --fix applies it)" if edit is not None else "")
    return AuditRow(
        kind=kind, script=candidate.script.path, pattern=node.text, output=description.output.name,
        symbols=candidate.symbols, status=status, breakage=breakage, entries=len(entries), unkept=len(unkept),
        reason=reason, fix=fix, location=origin.location, evidence=tuple(evidence),
    )


def _entry_rows(info: ScriptInfo) -> list[AuditRow]:
    rows = []
    for command in info.model.script.commands:
        if isinstance(command, ast.Command) and command.name == "ENTRY" and command.args:
            where = getattr(command, "location", None) or Location(info.path)
            rows.append(AuditRow(
                kind="entry", script=info.path, pattern=f"ENTRY({command.args[0]})", output="-",
                symbols=(command.args[0],), status=KEPT, breakage="-", entries=0, unkept=0,
                reason="the entry symbol's section is a GC root for both linkers",
                fix="-", location=where, evidence=(Evidence(where, f"ENTRY({command.args[0]})"),),
            ))
    return rows
