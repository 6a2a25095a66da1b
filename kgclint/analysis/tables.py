"""Which input-section descriptions are *tables* that GC must not touch: ``project.analysis(Tables)``.

A description is a table *candidate* when the script gives code a way to
walk it: symbols assigned ``.`` right before and after it (``__start_x = .;
*(x) __stop_x = .;``, also around its output section), a symbol computed
from its output section's ``ADDR``/``LOADADDR``/``SIZEOF``, or a section
named like a C identifier whose ``__start_``/``__stop_`` symbols the code
uses. Whether it *is* a table is decided from the code, not from a list of
names:

* *walked*: some source references one of those symbols by name;
* *anonymous entries*: the sources place things into the sections the
  description takes (first match), and most of them are never referenced
  by name — a table entry is reached only through the walk, while the
  members of a *range* (``.sched.text``: functions called by name, kept or
  dropped on their own merits) are.

For each table it records whether a script ``ASSERT`` reads its symbols or
its output section's size — a drop is then a failed link (*loud*) rather
than a kernel that quietly lacks the entries (*silent*).
"""

from __future__ import annotations

import re
from collections.abc import Container, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from kgclint.analysis.scripts import ScriptIndex, ScriptInfo
from kgclint.lds.sources import SourceView
from kgclint.lds.wildcard import compiler_wildcard
from kgclint.lds import ast
from kgclint.lds.model import Description, ScriptModel, sections_in, symbols_in
from kgclint.location import Location
from kgclint.placement import MacroUse, SectionPlacement, placement_name
from kgclint.project import Project, arch_from_path

C_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
#: Share of entries that must be anonymous (unreferenced by name) for a walked description to be a table.
TABLE_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Candidate:
    """A description the script lets code walk, and the symbols it does so through."""

    script: ScriptInfo
    description: Description
    start_symbols: tuple[str, ...] = ()
    stop_symbols: tuple[str, ...] = ()
    section_symbols: tuple[str, ...] = ()
    start_stop_symbols: tuple[str, ...] = ()
    guards: tuple[Location, ...] = ()

    @property
    def symbols(self) -> tuple[str, ...]:
        return (*self.start_symbols, *self.stop_symbols, *self.section_symbols, *self.start_stop_symbols)

    @property
    def script_symbols(self) -> tuple[str, ...]:
        """Symbols the script itself defines around the description (not the linker's __start_/__stop_)."""
        return (*self.start_symbols, *self.stop_symbols, *self.section_symbols)


@dataclass(frozen=True, slots=True)
class Table:
    """A walked description with its entries, classified.

    ``kind`` is ``table`` (most entries anonymous) or ``range`` (entries
    referenced by name). ``unkept`` are the entries nothing keeps: no KEEP
    pattern anywhere matches them, and they are not retained by the
    assembler's flags (``R``, ``o``) or a note type.
    """

    candidate: Candidate
    kind: str
    entries: tuple[SectionPlacement, ...]
    named: tuple[SectionPlacement, ...]
    unkept: tuple[SectionPlacement, ...]
    walkers: tuple[Location, ...]

    @property
    def loud(self) -> bool:
        return bool(self.candidate.guards)


def object_name(source_path: str) -> str:
    """The object Kbuild makes from a source: ``kernel/fork.c`` → ``kernel/fork.o``."""
    path = PurePosixPath(source_path)
    return str(path.with_suffix(".o")) if path.suffix in (".c", ".S", ".s") else source_path


def retained_by_flags(placement: SectionPlacement) -> bool:
    """Kept (or tied to its code) whatever the script says: ``R`` (SHF_GNU_RETAIN), ``o`` (SHF_LINK_ORDER), notes."""
    flags = placement.flags or ""
    if "R" in flags or "o" in flags or placement.linked_to or placement.retain:
        return True
    return (placement.section_type or "").lstrip("@%") == "note"


def entry_kept(model: ScriptModel, placement: SectionPlacement) -> bool:
    """Whether GC keeps an entry unconditionally (a KEEP pattern, or flags that retain it)."""
    if retained_by_flags(placement):
        return True
    found = model.place(object_name(placement.location.path), placement_name(placement.section))
    return found is not None and found.keep


def find_candidates(info: ScriptInfo, referenced: Container[str] = frozenset()) -> list[Candidate]:
    """Every description of one script that script symbols bracket, or whose output section feeds a symbol.

    ``referenced`` answers ``in`` for the names sources use (a whole tree's: it is not copied).
    """
    model = info.model
    fed: dict[str, list[str]] = {}
    for definition in model.symbols:
        for section in sections_in(definition.assignment.value):
            if definition.assignment.target != ".":
                fed.setdefault(section, []).append(definition.assignment.target)
    guards_by_symbol: dict[str, list[Location]] = {}
    guards_by_section: dict[str, list[Location]] = {}
    for item in model.asserts:
        expr = item.condition if isinstance(item, ast.Assert) else item.value
        for name in symbols_in(expr):
            guards_by_symbol.setdefault(name, []).append(item.location)
        for name in sections_in(expr):
            guards_by_section.setdefault(name, []).append(item.location)
    outer = _outer_brackets(model)
    candidates: list[Candidate] = []
    for description in model.descriptions:
        if description.discard:
            continue
        output = description.output
        starts, stops = _brackets(output, description.position)
        if _first_description(output, description.position):
            starts += outer.get((id(output), "before"), [])
        if _last_description(output, description.position):
            stops += outer.get((id(output), "after"), [])
        section_symbols = fed.get(output.name, [])
        start_stop = [
            f"__{edge}_{p.pattern}"
            for p in description.node.sections
            if C_IDENTIFIER.match(p.pattern)
            for edge in ("start", "stop")
            if f"__{edge}_{p.pattern}" in referenced
        ]
        if compiler_bulk(description):
            continue
        if not ((starts and stops) or section_symbols or start_stop):
            # one symbol on one side marks where a region ends (_end, _etext), not a table's bounds
            continue
        guards = {
            loc
            for name in (*starts, *stops, *section_symbols)
            for loc in guards_by_symbol.get(name, ())
        } | set(guards_by_section.get(output.name, ()))
        candidates.append(Candidate(
            info, description, tuple(starts), tuple(stops), tuple(section_symbols), tuple(start_stop),
            tuple(sorted(guards)),
        ))
    return candidates


def compiler_bulk(description: Description) -> bool:
    """A description of the compiler's own sections (``.text``, ``.rodata``, ``*(.data.*)``).

    What lands there is ordinary code and data mixed with whatever else a
    source puts under those names; the region is bounded for memory
    protection or freeing, never walked entry by entry.
    """
    return any(
        p.pattern in (".text", ".data", ".rodata", ".bss") or compiler_wildcard(p.pattern)
        for p in description.node.sections
    )


def _is_dot(expr: ast.Expr) -> bool:
    if isinstance(expr, ast.Symbol):
        return expr.name == "."
    if isinstance(expr, ast.Call) and expr.function in ("ABSOLUTE", "ALIGN") and expr.args:
        return _is_dot(expr.args[0]) if expr.function == "ABSOLUTE" or len(expr.args) == 2 else False
    return False


def _dot_symbol(command: object) -> str | None:
    if isinstance(command, ast.Assignment) and command.target != "." and command.op == "=" and _is_dot(command.value):
        return command.target
    return None


def _moves_dot_only(command: object) -> bool:
    return isinstance(command, ast.Assignment) and command.target == "."


def _brackets(output: ast.OutputSection, position: int) -> tuple[list[str], list[str]]:
    commands = output.commands
    starts: list[str] = []
    i = position - 1
    while i >= 0 and isinstance(commands[i], (ast.Assignment, ast.Assert)):
        name = _dot_symbol(commands[i])
        if name:
            starts.append(name)
        elif not _moves_dot_only(commands[i]) and not isinstance(commands[i], ast.Assert):
            break
        i -= 1
    stops: list[str] = []
    i = position + 1
    while i < len(commands) and isinstance(commands[i], (ast.Assignment, ast.Assert)):
        name = _dot_symbol(commands[i])
        if name:
            stops.append(name)
        elif not _moves_dot_only(commands[i]) and not isinstance(commands[i], ast.Assert):
            break
        i += 1
    return starts, stops


def _first_description(output: ast.OutputSection, position: int) -> bool:
    return not any(isinstance(c, (ast.InputSection, ast.Data)) for c in output.commands[:position])


def _last_description(output: ast.OutputSection, position: int) -> bool:
    return not any(isinstance(c, (ast.InputSection, ast.Data)) for c in output.commands[position + 1:])


def _outer_brackets(model: ScriptModel) -> dict[tuple[int, str], list[str]]:
    """Symbols assigned ``.`` at SECTIONS level right before / after each output section."""
    found: dict[tuple[int, str], list[str]] = {}
    for command in model.script.commands:
        if not isinstance(command, ast.Sections):
            continue
        items = command.commands
        for index, item in enumerate(items):
            if not isinstance(item, ast.OutputSection):
                continue
            before: list[str] = []
            i = index - 1
            while i >= 0 and isinstance(items[i], (ast.Assignment, ast.Assert)):
                name = _dot_symbol(items[i])
                if name:
                    before.append(name)
                elif not _moves_dot_only(items[i]) and not isinstance(items[i], ast.Assert):
                    break
                i -= 1
            after: list[str] = []
            i = index + 1
            while i < len(items) and isinstance(items[i], (ast.Assignment, ast.Assert)):
                name = _dot_symbol(items[i])
                if name:
                    after.append(name)
                elif not _moves_dot_only(items[i]) and not isinstance(items[i], ast.Assert):
                    break
                i += 1
            found[(id(item), "before")] = before
            found[(id(item), "after")] = after
    return found


class PlacedSections:
    """Which source placements each description takes by first match: ``project.analysis(PlacedSections)``.

    One pass over the placements per script, with ``place`` cached per
    (object, section), shared by the table analysis and the script rules.
    """

    def __init__(self, project: Project) -> None:
        self.sources = project.analysis(SourceView)
        self.index = project.analysis(ScriptIndex)
        self._by_script: dict[str, dict[int, list[SectionPlacement]]] = {}
        self._objects: dict[str, str] = {}     # source path → object name, for every script

    def by_description(self, info: ScriptInfo) -> dict[int, list[SectionPlacement]]:
        if info.path not in self._by_script:
            by_description: dict[int, list[SectionPlacement]] = {}
            linked: dict[tuple[str, str | None], bool] = {}
            places: dict[tuple[str, str], int | None] = {}
            for placement in self.sources.placements:
                path = placement.location.path
                where = (path, placement_arch(self.index.project, placement))
                if where not in linked:
                    linked[where] = info in self.index.scripts_for(*where)
                if not linked[where]:
                    continue
                if path not in self._objects:
                    self._objects[path] = object_name(path)
                key = (self._objects[path], placement_name(placement.section))
                if key not in places:
                    found = info.model.place(*key)
                    places[key] = found.description.index if found is not None and found.description else None
                if places[key] is not None:
                    by_description.setdefault(places[key], []).append(placement)
            self._by_script[info.path] = by_description
        return self._by_script[info.path]


class Tables:
    """Every walked description of the project's scripts, classified as table or range."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.sources = project.analysis(SourceView)
        index = self.index = project.analysis(ScriptIndex)
        self.candidates: list[Candidate] = []
        self.tables: list[Table] = []
        for info in index.scripts:
            found = find_candidates(info, self.sources.referenced_names)
            if not found:
                continue
            placed = project.analysis(PlacedSections).by_description(info)
            for candidate in found:
                self.candidates.append(candidate)
                table = self._classify(candidate, placed.get(candidate.description.index, []))
                if table is not None:
                    self.tables.append(table)

    def _classify(self, candidate: Candidate, entries: list[SectionPlacement]) -> Table | None:
        if not entries:
            return None
        # code that only another arch's image links walks no table of this script
        walkers = tuple(sorted({loc for name in candidate.symbols for loc in self.sources.referencing(name)
                                if candidate.script in self.index.scripts_for(loc.path)},
                               key=lambda loc: (loc.path.endswith(".h"), loc)))
        if not walkers:
            return None
        model = candidate.script.model
        is_named = [self.sources.named(p) for p in entries]
        named = tuple(p for p, by_name in zip(entries, is_named) if by_name)
        unnamed = [p for p, by_name in zip(entries, is_named) if not by_name]
        # anonymous *data* makes a table; code whose labels a scan cannot see (ENTRY(name) macros
        # in .S files) is no evidence either way, and code ranges are not walked as entries
        anonymous = [p for p in unnamed if not is_code(p)]
        kind = "table" if len(anonymous) / len(entries) >= TABLE_SHARE else "range"
        unkept = tuple(p for p in unnamed if not entry_kept(model, p))
        return Table(candidate, kind, tuple(entries), named, unkept, walkers)


_ALLOC_BY_NAME = re.compile(r"\.(text|data|bss|rodata|init|fini|tdata|tbss|sdata|sbss|srodata|preinit_array|init_array|fini_array)(\.|$)")


def is_alloc(placement: SectionPlacement) -> bool:
    """Whether the section occupies memory in the image (SHF_ALLOC).

    C section attributes always make allocated sections; GNU as gives a
    ``.section`` without flags the ``a`` flag only for the names it knows
    (``.text*``, ``.data*``, ``.bss*``, ``.rodata*``…), so ``.note.GNU-stack``
    and friends are not image content.
    """
    if placement.flags is not None:
        return "a" in placement.flags
    if placement.origin == "c":
        return True
    return _ALLOC_BY_NAME.match(placement_name(placement.section)) is not None


def is_code(placement: SectionPlacement) -> bool:
    """Whether the placement is code: a function, or an executable (``x``) or ``.text`` section."""
    if placement.what == "function":
        return True
    if placement.flags is not None:
        return "x" in placement.flags
    return placement_name(placement.section).startswith((".text", ".init.text", ".head.text"))


def main_scripts(index: ScriptIndex, path: str, arch: str | None = None) -> tuple[ScriptInfo, ...]:
    """The scripts that link ``path`` (built for ``arch``) and describe an image (have SECTIONS with descriptions)."""
    return tuple(i for i in index.scripts_for(path, arch) if i.model.descriptions)


def placement_scripts(index: ScriptIndex, placement: SectionPlacement) -> tuple[ScriptInfo, ...]:
    """The image scripts that link a placement, for the arch it can exist on (``placement_arch``)."""
    return main_scripts(index, placement.location.path, placement_arch(index.project, placement))


def placement_arch(project: Project, placement: SectionPlacement) -> str | None:
    """The arch a placement is built for: its file's (or --arch), else the one whose headers made the section.

    A generic file reaches ``.altinstructions`` only through a macro of
    ``arch/x86/include``: that placement exists in x86 builds alone, so
    another arch's image script has nothing to say about it.
    """
    return use_arch(project, placement.location.path, placement.macros)


def use_arch(project: Project, path: str, macros: Sequence[MacroUse]) -> str | None:
    """The arch text written at ``path`` through ``macros`` exists for: the file's, else the innermost arch macro's."""
    arch = project.arch_of(path)
    if arch is None:
        arch = next((found for use in reversed(macros)
                     if (found := arch_from_path(use.defined_at.path)) is not None), None)
    return arch
