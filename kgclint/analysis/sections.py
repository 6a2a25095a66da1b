"""Who places what in which section: the project-wide index most rules start from.

Placements come from C attributes reached through the tree's macros
(``__init``, ``__section(".x")``, initcalls, ``__setup``, table-entry
macros), from inline asm (``EXPORT_SYMBOL`` writes ``.export_symbol`` in
Linux 6.12), and from ``.S`` files (the assembly front-end's placements).
Every ``#if`` branch is considered; where a macro has several definitions
the macro table's preference applies (``kgclint.analysis.macros``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from kgclint.analysis.inline_asm import InlineAsmIndex
from kgclint.analysis.macros import MAX_INCLUDE_DEPTH, MacroTable, Scope
from kgclint.analysis.references import ReferenceIndex
from kgclint.c.analysis import ItemExpansions
from kgclint.c.facts import IDENT, CFacts
from kgclint.c.include_paths import beside
from kgclint.c.tokens import ID, PUNCT, tokenize
from kgclint.inputs import InputKind
from kgclint.location import Location
from kgclint.placement import MacroUse, SectionPlacement, placement_name
from kgclint.project import Project

_PASTE = re.compile(r"([A-Za-z_]\w*)\s*##\s*([A-Za-z_]\w*)")
_ASCIZ = re.compile(r'\.(?:asciz|string)\s+"((?:[^"\\]|\\.)*)"')
#: The kernel's export macros are named EXPORT_SYMBOL*: the API's name, not its body, which is read.
_EXPORT_PREFIX = "EXPORT_SYMBOL"


@dataclass(frozen=True, slots=True)
class Export:
    """One ``EXPORT_SYMBOL*`` use: the symbol, its license (``""``/``"GPL"``) and namespace as expanded."""

    symbol: str
    license: str
    namespace: str
    location: Location


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A section attribute whose argument did not expand to string literals."""

    location: Location
    argument: str


def _sort_key(p: SectionPlacement) -> tuple:
    return (p.location, p.section, p.symbol or "", p.what, p.origin)


class SectionIndex:
    """``project.analysis(SectionIndex)``: placements, exports and name references."""

    def __init__(self, project: Project) -> None:
        self._project = project
        expansions = project.analysis(ItemExpansions)
        inline = project.analysis(InlineAsmIndex)
        placements: list[SectionPlacement] = []
        exports: list[Export] = []
        unresolved: list[Unresolved] = []
        # One file's identifier set at a time (items come file by file): holding every file's
        # decompressed set took a gigabyte on the whole of Linux.
        references_path = ""
        references: frozenset[str] = frozenset()
        facts_by_path = {facts.path: facts for facts in project.facts(InputKind.C)}
        indirect = _IndirectReferences(project.analysis(MacroTable), facts_by_path)
        for result in expansions.items:
            for decl, macros in zip(result.declared, result.section_macros):
                if decl.section is None:
                    continue
                if not decl.section_known:
                    unresolved.append(Unresolved(result.location, decl.section))
                    continue
                if references_path != result.path:
                    references_path, references = result.path, facts_by_path[result.path].references
                referenced = bool(decl.name) and (
                    decl.name in references or decl.name in result.named_twice
                    or (decl.storage == "static" and decl.what == "object" and not (decl.used or decl.retain)
                        and indirect.referenced(result.path, decl.name, macros, references)))
                placements.append(SectionPlacement(
                    section=decl.section,
                    symbol=decl.name,
                    what=decl.what,
                    location=result.location,
                    macros=macros,
                    storage=decl.storage,
                    const=decl.const,
                    used=decl.used,
                    unused=decl.unused,
                    retain=decl.retain,
                    referenced_in_file=referenced,
                    origin="c",
                ))
            export = _export(result.item.text, [a.text for a in result.asm], result.location)
            if export is not None:
                exports.append(export)
        for statement in inline.statements:
            for placement in statement.scan.placements:
                placements.append(replace(placement, macros=statement.macros or placement.macros,
                                          origin="inline-asm"))
        for facts in project.facts(InputKind.ASM):
            placements.extend(getattr(facts, "placements", ()))
        placements.sort(key=_sort_key)
        self.placements: tuple[SectionPlacement, ...] = tuple(placements)
        self.exports: tuple[Export, ...] = tuple(sorted(exports, key=lambda e: (e.location, e.symbol)))
        self.unresolved: tuple[Unresolved, ...] = tuple(unresolved)
        self.problems: tuple[tuple[Location, str], ...] = tuple(sorted(expansions.problems))
        by_name: dict[str, list[SectionPlacement]] = {}
        for placement in self.placements:
            by_name.setdefault(placement_name(placement.section), []).append(placement)
        self._by_name = {k: tuple(v) for k, v in by_name.items()}
        self._referencing: dict[str, tuple[Location, ...]] | None = None
        self._inline = inline

    def by_section(self, name: str) -> tuple[SectionPlacement, ...]:
        """Placements whose section the assembler names ``name``."""
        return self._by_name.get(name, ())

    def section_names(self) -> Iterable[str]:
        """Every assembled section name some source places something in, sorted."""
        return sorted(self._by_name)

    def referencing(self, symbol: str) -> tuple[Location, ...]:
        """Files (C: any identifier use; asm: an operand) that name ``symbol``; line 0 = somewhere in the file.

        Built on first use for every placed symbol at once, from the project's
        ``ReferenceIndex`` and the inline asm statements.
        """
        if self._referencing is None:
            self._referencing = self._build_references()
        return self._referencing.get(symbol, ())

    def _build_references(self) -> dict[str, tuple[Location, ...]]:
        wanted = {p.symbol for p in self.placements if p.symbol}
        index = self._project.analysis(ReferenceIndex)
        found: dict[str, set[Location]] = {}
        for name in wanted:
            for path in index.files(name):
                found.setdefault(name, set()).add(Location(path))
        for statement in self._inline.statements:
            for name in statement.scan.symbol_refs & wanted:
                found.setdefault(name, set()).add(statement.location)
        return {name: tuple(sorted(locs)) for name, locs in found.items()}


class _IndirectReferences:
    """Uses of a static object's name that its file's text does not spell.

    Its file may use it through a macro: one whose body spells the name,
    or pastes it from an argument the file passes
    (``DECLARE_CROS_LAPTOP(samus)`` → ``samus##_peripherals``), other than
    the macros that placed it. And an object a header defines is compiled
    into each file that includes the header with ``"..."`` (directly or
    through other headers); their uses count. Asked only for static objects
    that nothing keeps and the file does not spell, so rarely.
    """

    def __init__(self, table: MacroTable, facts_by_path: dict[str, CFacts]) -> None:
        self.table = table
        self.facts_by_path = facts_by_path
        self._includers: dict[str, list[str]] | None = None
        self._scopes: dict[str, Scope] = {}

    def referenced(self, path: str, name: str, placed_by: tuple[MacroUse, ...], references: frozenset[str]) -> bool:
        if self._through_macros(path, name, {m.name for m in placed_by}, references):
            return True
        for includer in self._includers_of(path):
            uses = self.facts_by_path[includer].references
            if name in uses or self._through_macros(includer, name, set(), uses):
                return True
        return False

    def _through_macros(self, path: str, name: str, placing: set[str], references: frozenset[str]) -> bool:
        scope = self._scopes.get(path)
        if scope is None:
            scope = self._scopes[path] = self.table.scope(path)
        for word in references:
            if word in placing:
                continue
            defn = scope.lookup(word)
            if defn is None or ("##" not in defn.body and name not in defn.body):
                continue
            params = set(defn.params or ())
            if name in IDENT.findall(defn.body) and name not in params:
                return True
            for left, right in _PASTE.findall(defn.body):
                if left in params and name.endswith(right) and name[:-len(right)] in references:
                    return True
                if right in params and name.startswith(left) and name[len(left):] in references:
                    return True
        return False

    def _includers_of(self, path: str) -> list[str]:
        """The files that include ``path`` with ``"..."``, through at most MAX_INCLUDE_DEPTH headers, nearest first."""
        if self._includers is None:
            self._includers = {}
            for facts in self.facts_by_path.values():
                for include in facts.includes:
                    if not include.system:
                        self._includers.setdefault(beside(facts.path, include.name), []).append(facts.path)
        found: list[str] = []
        frontier = [path]
        for _ in range(MAX_INCLUDE_DEPTH):
            frontier = [i for p in frontier for i in self._includers.get(p, ()) if i not in found and i != path]
            if not frontier:
                break
            found.extend(dict.fromkeys(frontier))
        return found


def _export(text: str, asm_texts: list[str], location: Location) -> Export | None:
    """The export an item makes, when its head is ``EXPORT_SYMBOL*(sym, ...)``."""
    if not text.startswith(_EXPORT_PREFIX):
        return None
    tokens = tokenize(text, limit=4)
    if len(tokens) < 3 or tokens[1].kind != PUNCT or tokens[1].text != "(" or tokens[2].kind != ID:
        return None
    strings: list[str] = []
    for asm in asm_texts:
        strings.extend(_ASCIZ.findall(asm))
    license = strings[0] if strings else ""
    namespace = strings[1] if len(strings) > 1 else ""
    return Export(tokens[2].text, license, namespace, location)
