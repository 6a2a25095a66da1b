"""The tree's macro table: which ``#define`` a name means in a given file, and which can reach a section.

Learned from the tree itself, never written down here: the defines of
``include/`` (common), of ``arch/<arch>/include/`` (per arch), of the file
itself and of the headers it includes with ``"..."`` (followed
transitively). A name is looked up in that order, nearest first. A run
over named files has the headers they include as context facts
(``kgclint.headers``); they serve here exactly like input headers.

No configuration is applied, so every ``#if`` branch's definition is
known. When a name has several, kgclint takes, in order of preference:
one valid in C (not inside ``#ifdef __ASSEMBLY__``), one that can reach a
section attribute or an asm section directive, the one needing the
fewest optional symbols defined (so ``#ifndef MODULE`` beats ``#ifdef
MODULE``, ``#else`` of ``CONFIG_X`` beats its ``#ifdef``), then the first
in path and line order. That picks the built-in, plain-C form of
``module_init``, the initcalls and the exports, as a kernel built without
those options would see them.

"Can reach a section" is computed once per definition: its body names
``section``/``__section__`` or holds ``.section``/``.pushsection`` text,
or names a macro that can. The section analysis expands only file-scope
items that spell such a name, which is what keeps a whole-tree run fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kgclint.analysis.closure import reaches_seed
from kgclint.c.facts import IDENT, CFacts, MacroDef, by_name
from kgclint.c.include_paths import beside
from kgclint.inputs import InputKind
from kgclint.location import Location
from kgclint.project import Project

#: Identifiers that are section attributes themselves.
SEED_WORDS = frozenset(("section", "__section__"))
ATTRIBUTE_WORDS = frozenset(("__attribute__", "__attribute"))
#: Attribute names that keep an object from the compiler's and the linker's dead-code removal.
KEEP_WORDS = frozenset(("used", "__used__", "retain", "__retain__"))
_ASM_SWITCH = re.compile(r"\.(?:push)?section\b")
#: How many quoted headers deep includes are followed.
MAX_INCLUDE_DEPTH = 8
#: The arch whose headers serve files that name none (``drivers/``, ``kernel/``), unless ``--arch`` says.
DEFAULT_ARCH = "x86"


def _in_asm_only(defn: MacroDef) -> bool:
    return "+__ASSEMBLY__" in defn.conditions


def _optional(defn: MacroDef) -> int:
    return sum(1 for c in defn.conditions if c.startswith("+") or c.startswith("?"))


class MacroTable:
    """The tree's defines by name: common, per arch, and per file (see the module doc)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.files: dict[str, CFacts] = {
            f.path: f for f in (*project.context_facts(InputKind.C), *project.facts(InputKind.C))
        }
        self.common: dict[str, list[MacroDef]] = {}
        self.arch: dict[str, dict[str, list[MacroDef]]] = {}
        for path in sorted(self.files):
            table = self._global_table(path)
            if table is None:
                continue
            facts = self.files[path]
            for defn in facts.defines:
                table.setdefault(defn.name, []).append(defn)
        self._reach: dict[str, dict[int, bool]] = {}
        self._shared: dict[str, dict[str, list[MacroDef]]] = {}

    def _global_table(self, path: str) -> dict[str, list[MacroDef]] | None:
        if path.startswith("include/"):
            return self.common
        parts = path.split("/", 3)
        if len(parts) == 4 and parts[0] == "arch" and parts[2] == "include":
            return self.arch.setdefault(parts[1], {})
        return None

    def defines_of(self, facts: CFacts, shared: bool) -> dict[str, list[MacroDef]]:
        """A file's own defines by name, in line order; a ``shared`` (header's) table is kept for the next scope."""
        table = self._shared.get(facts.path)
        if table is not None:
            return table
        table = by_name(facts.defines)
        if shared:
            self._shared[facts.path] = table
        return table

    def arch_of(self, path: str) -> str:
        """The arch whose headers a file sees."""
        return self.project.arch_of(path) or DEFAULT_ARCH

    def location(self, defn: MacroDef) -> Location:
        """Where a definition is."""
        return Location(defn.path, defn.line)

    def scope(self, path: str) -> Scope:
        """The macro scope of one file; not memoised: a whole-tree run makes one per file, once."""
        return Scope(self, path)

    def global_candidates(self, name: str, arch: str) -> list[MacroDef]:
        """Every definition of ``name`` in the arch's and the common headers, arch first."""
        arch_table = self.arch.get(arch)
        found = arch_table.get(name) if arch_table else None
        if found:
            return found
        return self.common.get(name, [])

    def body_names(self, defn: MacroDef) -> list[str]:
        """The identifiers of a macro body that are not its parameters."""
        params = set(defn.params or ())
        return [w for w in IDENT.findall(defn.body) if w not in params]

    def seeds(self, defn: MacroDef) -> bool:
        """Whether a body spells a section attribute or asm section-switch text itself.

        A section attribute is ``section``/``__section__`` in a body that also
        spells ``__attribute__`` (a field or parameter called ``section``
        is not one); asm text is ``.section``/``.pushsection``.
        """
        body = defn.body
        if "section" not in body:
            return False
        if _ASM_SWITCH.search(body):
            return True
        words = set(IDENT.findall(body))
        return bool(SEED_WORDS & words) and bool(ATTRIBUTE_WORDS & words)

    def reaches_global(self, defn: MacroDef, arch: str) -> bool:
        """Whether a header definition can expand to a section (memoised per arch; see ``closure``)."""
        known = self._reach.get(arch)
        if known is None:
            known = self._reach[arch] = {}
        return reaches_seed(
            defn, id,
            lambda d: (c for name in dict.fromkeys(self.body_names(d)) for c in self.global_candidates(name, arch)),
            self.seeds, known,
        )


class Scope:
    """The macros one file sees: its own, its quoted headers', its arch's, the common ones."""

    def __init__(self, table: MacroTable, path: str) -> None:
        self.table = table
        self.path = path
        self.arch = table.arch_of(path)
        files = self._local_files()
        # The file's own defines, then its quoted headers' (each header's table is built once and
        # shared: a driver folder's header is included by every file of the driver).
        self._tables = [table.defines_of(facts, shared=n > 0) for n, facts in enumerate(files)]
        self._local_paths = frozenset(facts.path for facts in files)
        self._chosen: dict[str, MacroDef | None] = {}
        self._reach_local: dict[int, bool] = {}

    def _local_files(self) -> Iterable[CFacts]:
        """The file itself and the quoted headers it includes, transitively, that are not global headers."""
        files = self.table.files
        start = files.get(self.path)
        if start is None:
            return []
        seen = {self.path}
        order = [start]
        frontier = [(start, 0)]
        while frontier:
            facts, depth = frontier.pop()
            if depth >= MAX_INCLUDE_DEPTH:
                continue
            for inc in facts.includes:
                if inc.system:
                    continue
                target = beside(facts.path, inc.name)
                if target in seen or target not in files or self.table._global_table(target) is not None:
                    continue
                seen.add(target)
                order.append(files[target])
                frontier.append((files[target], depth + 1))
        return order

    def defines_none_of(self, names: frozenset[str]) -> bool:
        """Whether this file and its quoted headers define none of ``names`` (an expansion may be shared)."""
        return all(table.keys().isdisjoint(names) for table in self._tables)

    def _is_local(self, defn: MacroDef) -> bool:
        return defn.path in self._local_paths

    def candidates(self, name: str) -> list[MacroDef]:
        found: list[MacroDef] | None = None
        for table in self._tables:
            hit = table.get(name)
            if hit:
                found = hit if found is None else found + hit
        if found:
            return found
        return self.table.global_candidates(name, self.arch)

    def reaches(self, defn: MacroDef) -> bool:
        """Whether ``defn`` can expand to a section, seen from this file.

        The walk crosses this file's own definitions; a header definition
        it meets is answered by the table's memo (headers never name a
        file's own macros).
        """
        if not self._is_local(defn):
            return self.table.reaches_global(defn, self.arch)

        def body_candidates(d: MacroDef) -> Iterable[MacroDef]:
            return (c for name in dict.fromkeys(self.table.body_names(d)) for c in self.candidates(name))

        def seeds(d: MacroDef) -> bool:
            return self.table.seeds(d) or any(
                self.table.reaches_global(c, self.arch) for c in body_candidates(d) if not self._is_local(c)
            )

        return reaches_seed(defn, id, lambda d: (c for c in body_candidates(d) if self._is_local(c)), seeds,
                            self._reach_local)

    def keeps(self, defn: MacroDef) -> bool:
        """Whether a body marks what it declares ``used``/``retain`` (directly or through one macro).

        Among ``#if`` alternatives the one that keeps its objects is the
        configuration in which the table exists (``__used`` when a feature is
        on, ``__maybe_unused`` when it is off), which is what GC questions are about.
        """
        words = set(IDENT.findall(defn.body))
        if words & KEEP_WORDS:
            return True
        return any(
            bool(set(IDENT.findall(d.body)) & KEEP_WORDS)
            for name in words for d in self.candidates(name)[:4]
        )

    def reaches_name(self, name: str) -> bool:
        """Whether the identifier ``name`` can reach a section in this file."""
        if name in SEED_WORDS:
            return True
        return any(self.reaches(d) for d in self.candidates(name))

    def lookup(self, name: str) -> MacroDef | None:
        """The definition ``name`` means here (see the module doc for the preference), or None."""
        try:
            return self._chosen[name]
        except KeyError:
            pass
        found = self.candidates(name)
        chosen: MacroDef | None = None
        if found:
            if len(found) == 1:
                chosen = found[0] if not _in_asm_only(found[0]) else None
            else:
                usable = [d for d in found if not _in_asm_only(d)]
                if usable:
                    chosen = min(usable, key=lambda d: (not self.reaches(d), not self.keeps(d), _optional(d)))
        self._chosen[name] = chosen
        return chosen
