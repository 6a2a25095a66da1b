"""KGC301: the link drops entries of a table that live code walks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from kgclint.analysis.gc import C_IDENTIFIER, GcResult, ProjectLink
from kgclint.elf.facts import SHF_LINK_ORDER, STT_FUNC, STT_NOTYPE, STT_OBJECT
from kgclint.findings import Finding, Fix, Severity, TextEdit
from kgclint.inputs import InputKind
from kgclint.location import Location, Related
from kgclint.project import Project
from kgclint.rule import Rule

#: At most this many objects are named in one message.
MAX_NAMED = 5


class TableEntriesDropped(Rule):
    """Table entries that ``--gc-sections`` removes from the real objects.

    What it finds:
    Input sections the simulated link drops (GNU ld or ld.lld, per
    ``--linker``) that are *table entries*: placed by the linker script
    between symbols (``__x_start = .; *(x) __x_end = .;``, an output
    section whose ``ADDR``/``SIZEOF`` feeds a symbol, or a C-identifier
    section reached through ``__start_x``/``__stop_x``), referenced by no
    relocation anywhere, while a kept section reads those symbols. The
    finding names the table, its bracketing symbols, the code that walks
    it, how many entries from which objects are lost, and whether a script
    ``ASSERT`` turns the loss into a failed link (loud) or not (silent).

    Why it breaks a kernel:
    Nothing calls a table entry by name: initcalls, ``__setup`` handlers,
    exception fixups, patch sites and CPU descriptors are found only by
    walking the table at run time. The linker sees no reference, drops
    them, and the kernel boots without a driver, a parameter or an
    exception fixup, or does not boot at all; with no ASSERT the build
    still succeeds.

    Example:
    ``.pv_table : { __pv_table_begin = .; *(.pv_table) __pv_table_end = .; }``
    with ``LD_DEAD_CODE_DATA_ELIMINATION``: every ``.pv_table`` entry is
    dropped and the ARM kernel prints nothing at all when booted.

    Fix:
    Wrap the pattern in ``KEEP()`` (``KEEP(*(.pv_table))``); for entries
    that describe a piece of code, make them ``SHF_LINK_ORDER`` sections
    linked to that code (the ``o`` flag) so they live and die with it.
    """

    code = "KGC301"
    name = "table-entries-dropped"
    severity = Severity.ERROR
    needs = frozenset({InputKind.OBJECT, InputKind.ARCHIVE, InputKind.LINKER_SCRIPT})

    def check(self, project: Project) -> Iterable[Finding]:
        link = project.analysis(ProjectLink)
        if not link.inputs:
            return
        result = link.result()
        dropped = [(obj, s, result.base[result.objects.index(obj)] + s.index) for obj, s in result.dropped()]
        if not dropped:
            return
        referenced = result.referenced()
        anonymous = [
            (obj, s, sid)
            for obj, s, sid in dropped
            if not referenced[sid] and s.alloc and s.size and not _follows_its_code(result, obj, s)
        ]
        if not anonymous:
            return
        for finding in (*self._script_tables(project, link, result, anonymous), *self._start_stop_tables(link, result, anonymous)):
            if not link.gc_sections:
                finding = replace(finding, message=finding.message.replace(
                    "--gc-sections drops", "--gc-sections would drop (the recorded link has no --gc-sections)", 1))
            yield finding

    def _script_tables(self, project: Project, link: ProjectLink, result: GcResult, anonymous) -> Iterable[Finding]:
        model = link.script
        if model is None:
            return
        from kgclint.analysis.scripts import ScriptInfo
        from kgclint.analysis.tables import find_candidates

        info = ScriptInfo(link.script_path or "", model, "plain", None, ())  # type: ignore[arg-type]
        referenced_names = {name for obj in result.objects for name in obj.facts.symbols.names if name.startswith("__st")}
        candidates = {c.description.index: c for c in find_candidates(info, referenced_names)}
        referenced = result.referenced()
        if not candidates:
            return
        groups: dict[int, list] = {}
        for obj, s, sid in anonymous:
            placement = model.place(obj.match_name, s.name, s.flags)  # type: ignore[attr-defined]
            if placement is None or placement.discard or placement.description is None:
                continue
            if placement.description.index in candidates:
                groups.setdefault(placement.description.index, []).append((obj, s, sid))
        groups = {i: e for i, e in groups.items() if _mostly_anonymous(result, model, candidates[i].description, referenced)}
        if not groups:
            return
        wanted = {name for index in groups for name in candidates[index].symbols}
        users = result.users(wanted)
        for index, entries in sorted(groups.items()):
            candidate = candidates[index]
            readers = sorted({sid for name in candidate.symbols for sid in users.get(name, ())})
            if not readers:
                continue
            description = candidate.description
            location = _script_location(description.node.location, link)
            bracket = _bracket_text(candidate)
            table = f"{description.output.name} {{ {getattr(description.node, 'text', '')} }}"
            yield self._finding(result, entries, readers, table,
                                bracket, bool(candidate.guards), location,
                                [Related(_script_location(g, link), "ASSERT over this table") for g in candidate.guards],
                                fix=_keep_fix(project, link, description.node))

    def _start_stop_tables(self, link: ProjectLink, result: GcResult, anonymous) -> Iterable[Finding]:
        model = link.script
        by_name: dict[str, list] = {}
        for obj, s, sid in anonymous:
            if not C_IDENTIFIER.match(s.name):
                continue
            if model is not None and model.place(obj.match_name, s.name, s.flags) is not None:  # type: ignore[attr-defined]
                continue
            by_name.setdefault(s.name, []).append((obj, s, sid))
        if not by_name:
            return
        wanted = {f"__{edge}_{name}" for name in by_name for edge in ("start", "stop")}
        users = result.users(wanted)
        for name, entries in sorted(by_name.items()):
            symbols = [f"__start_{name}", f"__stop_{name}"]
            readers = sorted({sid for sym in symbols for sid in users.get(sym, ())})
            if not readers:
                continue
            obj = entries[0][0]
            yield self._finding(result, entries, readers, name, f"{symbols[0]} and {symbols[1]} (linker-made)",
                                result.linker == "lld", Location(obj.facts.path), [],
                                note=" (ld.lld's default -z start-stop-gc: __start_/__stop_ references keep nothing; "
                                     "its undefined-symbol error makes this loud only when every entry goes)"
                                if result.linker == "lld" else "")

    def _finding(self, result: GcResult, entries, readers, table: str, bracket: str, loud: bool,
                 location: Location, related: list[Related], note: str = "", fix: Fix | None = None) -> Finding:
        objects = sorted({obj.display(result.linker) for obj, _s, _sid in entries})
        named = ", ".join(objects[:MAX_NAMED]) + (f" and {len(objects) - MAX_NAMED} more" if len(objects) > MAX_NAMED else "")
        reader_names = sorted({_label(result, sid) for sid in readers})
        consumer = ", ".join(reader_names[:3]) + (" …" if len(reader_names) > 3 else "")
        linker = "GNU ld" if result.linker == "bfd" else "ld.lld"
        kind = "loud: a script ASSERT fails the link" if loud else "silent: the link succeeds without them"
        count = sum(_entries_in(obj, s) for obj, s, _sid in entries)
        message = (
            f"{linker} --gc-sections drops {count} entr{'y' if count == 1 else 'ies'} ({len(entries)} input "
            f"section{'' if len(entries) == 1 else 's'}) of table {table} (bracketed by {bracket}, walked by "
            f"{consumer}) from {len(objects)} object(s): {named}; {kind}{note}"
        )
        return self.finding(
            message,
            location,
            related=related,
            fix=fix,
            properties={"linker": result.linker, "breakage": "loud" if loud else "silent", "entries": str(len(entries))},
        )


def _keep_fix(project: Project, link: ProjectLink, node) -> Fix | None:
    """Wrap the description in KEEP() when the script is a plain file of the tree whose bytes are the parsed text."""
    if link.build_dir is not None or not link.script_path or getattr(node, "keep", True):
        return None
    try:
        data = project.absolute(link.script_path).read_bytes()
    except OSError:
        return None
    if data[node.offset:node.end].decode("utf-8", "replace") != node.text:
        return None
    edit = TextEdit(link.script_path, node.offset, node.end, f"KEEP({node.text})")
    return Fix(f"wrap {node.text} in KEEP()", (edit,))


def _follows_its_code(result: GcResult, obj, section) -> bool:
    """An SHF_LINK_ORDER section dropped together with the section it describes: GC working as meant."""
    if not section.flags & SHF_LINK_ORDER or not 0 < section.link < len(obj.facts.sections):
        return False
    k = result.objects.index(obj)
    return not result.live[result.base[k] + section.link]


def _mostly_anonymous(result: GcResult, model, description, referenced) -> bool:
    """Whether most input sections the description places are referenced by no relocation: a table, not a range.

    A range (``.data..ro_after_init``, ``.sched.text``) holds things used by
    name, so dropping its unused members is correct dead-code elimination.
    """
    from kgclint.lds.wildcard import compile_pattern

    patterns = [compile_pattern(p.pattern) for p in description.node.sections]
    total = anonymous = 0
    for k, obj in enumerate(result.objects):
        for s in obj.facts.sections:
            sid = result.base[k] + s.index
            if not result.candidate[sid] or not s.size:
                continue
            if patterns and not any(p.match(s.name) for p in patterns):
                continue
            if description.match(obj.match_name, s.name, s.flags) is None:
                continue
            placement = model.place(obj.match_name, s.name, s.flags)
            if placement is None or placement.description is None or placement.description.index != description.index:
                continue
            total += 1
            anonymous += not referenced[sid]
    return total > 0 and anonymous * 2 > total


def _entries_in(obj, section) -> int:
    """Named objects, functions and labels defined in a section (the table's entries), or 1 when none is named."""
    syms = obj.facts.symbols
    count = sum(
        1
        for i in range(1, len(syms))
        if syms.shndx[i] == section.index
        and syms.type(i) in (STT_NOTYPE, STT_OBJECT, STT_FUNC)
        and syms.names[i] and not syms.names[i].startswith("$")  # ARM/AArch64 mapping symbols
    )
    return count or 1


def _label(result: GcResult, sid: int) -> str:
    obj, s = result.locate(sid)
    return f"{obj.display(result.linker)}:({s.name})"


def _bracket_text(candidate) -> str:
    names = [*candidate.start_symbols, *candidate.stop_symbols, *candidate.section_symbols, *candidate.start_stop_symbols]
    return ", ".join(names) if names else "script symbols"


def _script_location(location: Location, link: ProjectLink) -> Location:
    """A script location, made relative to the build directory when the script was generated there."""
    build_dir = link.build_dir
    if build_dir is not None and location.path.startswith(str(build_dir)):
        return Location(location.path[len(str(build_dir)):].lstrip("/"), location.line, location.column)
    return location
