"""The linker's view of a parsed script: where an input section goes, and whether GC may drop it.

GNU ld and ld.lld place an input section by the *first* input-section
description, in script order, whose file and section patterns match it
(``/DISCARD/`` included, wherever it is). ``KEEP`` works by pattern, not by
placement: a section is a GC root when *any* ``KEEP`` description matches
it, even one that comes after the description that placed it (both
linkers; checked in ``tests/test_lds_oracle.py``). A section no pattern
matches is an *orphan* (``place`` returns None) and the linker places it by
its own heuristics.

Linker differences modelled here (``linker`` is ``bfd`` or ``lld``):
ld.lld before 21 rejects ``KEEP`` inside ``OVERLAY`` (a syntax error, checked
with ld.lld 14; llvm-project PR 130661 added it), so such a ``KEEP``
protects nothing there. (ld.lld ≥ 13 also defaults to ``-z start-stop-gc``:
``__start_X``/``__stop_X`` references keep nothing; the GC simulation and
KGC206 model that.)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from kgclint.lds import ast
from kgclint.lds.wildcard import file_matches, is_wildcard, matches
from kgclint.location import Location

#: ELF section flag values, for INPUT_SECTION_FLAGS (ELF gABI; SHF_GNU_RETAIN from the GNU ABI).
SHF = {
    "SHF_WRITE": 0x1, "SHF_ALLOC": 0x2, "SHF_EXECINSTR": 0x4, "SHF_MERGE": 0x10,
    "SHF_STRINGS": 0x20, "SHF_INFO_LINK": 0x40, "SHF_LINK_ORDER": 0x80,
    "SHF_OS_NONCONFORMING": 0x100, "SHF_GROUP": 0x200, "SHF_TLS": 0x400,
    "SHF_COMPRESSED": 0x800, "SHF_GNU_RETAIN": 0x200000, "SHF_EXCLUDE": 0x80000000,
}
DISCARD = "/DISCARD/"


@dataclass(frozen=True, slots=True)
class Description:
    """An input-section description with where it sits: its output section and overlay, if any.

    ``index`` is its rank in script order, the order first-match uses;
    ``position`` its index among the commands of its output section.
    """

    index: int
    node: ast.InputSection
    output: ast.OutputSection
    position: int
    overlay: ast.Overlay | None = None

    @property
    def discard(self) -> bool:
        return self.output.name == DISCARD

    @property
    def keep(self) -> bool:
        return self.node.keep

    def match(self, file: str, section: str, flags: int = 0) -> ast.SectionPattern | None:
        """The section pattern of this description that takes (file, section), or None.

        ``file`` "" means the file is unknown: only file patterns that match
        any name (``*``) apply, and no EXCLUDE_FILE excludes it. ``flags`` 0
        means unknown: INPUT_SECTION_FLAGS is not checked.
        """
        node = self.node
        if not file_matches(node.file, file):
            return None
        if file and any(file_matches(x, file) for x in node.exclude_files):
            return None
        if flags and node.flags and not flags_match(node.flags, flags):
            return None
        if not node.sections:
            return ast.SectionPattern("*")
        for pattern in node.sections:
            if file and any(file_matches(x, file) for x in pattern.exclude_files):
                continue
            if matches(pattern.pattern, section):
                return pattern
        return None


def _takes_any_file(node: ast.InputSection) -> bool:
    """Whether a description's file pattern takes every file, so its match depends on the section alone."""
    return node.file == "*" and not node.exclude_files and not any(p.exclude_files for p in node.sections)


def flags_match(terms: tuple[str, ...], flags: int) -> bool:
    """INPUT_SECTION_FLAGS: every named flag set, every ``!``-named flag clear; unknown names never match."""
    for term in terms:
        negate = term.startswith("!")
        name = term.lstrip("!").strip()
        value = SHF.get(name)
        if value is None:
            try:
                value = int(name, 0)
            except ValueError:
                return False
        if bool(flags & value) == negate:
            return False
    return True


@dataclass(frozen=True, slots=True)
class Placement:
    """Where the linker puts one input section, and whether ``--gc-sections`` keeps it unconditionally.

    ``location``/``pattern`` name the description that *places* it;
    ``kept_by`` the ``KEEP`` description that makes it a root (the same one
    or another, since KEEP marks by pattern), None when nothing keeps it.
    """

    output: str
    keep: bool
    discard: bool
    location: Location
    pattern: str
    description: Description | None = None
    kept_by: Description | None = None


@dataclass(frozen=True, slots=True)
class SymbolDef:
    """A symbol the script defines: the assignment and the output section it sits in (or None)."""

    assignment: ast.Assignment
    output: ast.OutputSection | None
    position: int


@dataclass
class ScriptModel:
    """A parsed script as the linker sees it. ``linker`` is ``bfd`` or ``lld``."""

    script: ast.Script
    linker: str = "bfd"
    lld_keep_in_overlay: bool = False
    descriptions: tuple[Description, ...] = field(init=False)
    output_sections: tuple[ast.OutputSection, ...] = field(init=False)
    symbols: tuple[SymbolDef, ...] = field(init=False)
    asserts: tuple[ast.Assert | ast.Assignment, ...] = field(init=False)
    entry: str | None = field(init=False)

    def __post_init__(self) -> None:
        descriptions: list[Description] = []
        outputs: list[ast.OutputSection] = []
        symbols: list[SymbolDef] = []
        asserts: list[ast.Assert | ast.Assignment] = []
        entry = None
        for command in self.script.commands:
            if isinstance(command, ast.Command) and command.name == "ENTRY" and command.args:
                entry = command.args[0]
            elif isinstance(command, ast.Assignment):
                symbols.append(SymbolDef(command, None, 0))
            elif isinstance(command, ast.Assert):
                asserts.append(command)
            elif isinstance(command, ast.Sections):
                for position, item in enumerate(command.commands):
                    if isinstance(item, ast.Assignment):
                        symbols.append(SymbolDef(item, None, position))
                        if _calls(item.value, "ASSERT"):
                            asserts.append(item)
                    elif isinstance(item, ast.Assert):
                        asserts.append(item)
                    elif isinstance(item, ast.OutputSection):
                        self._add_output(item, None, descriptions, outputs, symbols, asserts)
                    elif isinstance(item, ast.Overlay):
                        for section in item.sections:
                            self._add_output(section, item, descriptions, outputs, symbols, asserts)
        self.descriptions = tuple(descriptions)
        self.output_sections = tuple(outputs)
        self.symbols = tuple(symbols)
        self.asserts = tuple(asserts)
        self.entry = entry
        self._keeps = frozenset(d.index for d in descriptions if d.keep and self.keep_effective(d))
        self._by_literal: dict[str, list[Description]] = {}
        self._wild: list[Description] = []
        for d in descriptions:
            names = [p.pattern for p in d.node.sections]
            if names and not any(is_wildcard(n) or "\\" in n for n in names):
                for name in set(names):
                    self._by_literal.setdefault(name, []).append(d)
            else:
                self._wild.append(d)
        self._matched: dict[tuple[str, str, int], tuple[tuple[Description, ast.SectionPattern], ...]] = {}
        self._matched_any_file: dict[tuple[str, int], tuple[tuple[Description, ast.SectionPattern], ...]] = {}

    @staticmethod
    def _add_output(section, overlay, descriptions, outputs, symbols, asserts) -> None:
        outputs.append(section)
        for position, command in enumerate(section.commands):
            if isinstance(command, ast.InputSection):
                descriptions.append(Description(len(descriptions), command, section, position, overlay))
            elif isinstance(command, ast.Assignment):
                symbols.append(SymbolDef(command, section, position))
                if _calls(command.value, "ASSERT"):
                    asserts.append(command)
            elif isinstance(command, ast.Assert):
                asserts.append(command)

    def keep_effective(self, description: Description) -> bool:
        """Whether a KEEP description protects anything under this linker (KEEP in OVERLAY and old lld)."""
        if not description.keep:
            return False
        if description.overlay is not None and self.linker == "lld" and not self.lld_keep_in_overlay:
            return False
        return True

    @property
    def literal_names(self) -> frozenset[str]:
        """Section names some description names without a wildcard."""
        return frozenset(self._by_literal)

    def candidates(self, section: str) -> Iterator[Description]:
        """Descriptions that might match ``section``, in script order."""
        literal = self._by_literal.get(section, ())
        if not literal:
            yield from self._wild
            return
        merged = sorted([*literal, *self._wild], key=lambda d: d.index)
        yield from merged

    def matching(self, file: str, section: str, flags: int = 0) -> tuple[tuple[Description, ast.SectionPattern], ...]:
        """Every description that matches, in script order (the first one places it).

        Memoised: several rules ask about the same sections, each against every wildcard description.
        When every description that might take the section takes it from any file (``*(...)``, no
        EXCLUDE_FILE), the answer is one entry for all files: a whole tree asks about each of its
        200,000 placed sections per script, and kernel scripts name files almost nowhere.
        """
        key = (file, section, flags)
        found = self._matched.get(key)
        if found is None:
            found = self._matched_any_file.get((section, flags))
        if found is None:
            candidates = tuple(self.candidates(section))
            found = tuple(
                (description, pattern)
                for description in candidates
                if (pattern := description.match(file, section, flags)) is not None
            )
            if all(_takes_any_file(description.node) for description in candidates):
                self._matched_any_file[(section, flags)] = found
            else:
                self._matched[key] = found
        return found

    def place(self, file: str, section: str, flags: int = 0) -> Placement | None:
        """Where ``section`` of ``file`` goes and whether it is kept; None for an orphan."""
        first: tuple[Description, ast.SectionPattern] | None = None
        kept_by: Description | None = None
        for description, pattern in self.matching(file, section, flags):
            if first is None:
                first = (description, pattern)
            if kept_by is None and description.index in self._keeps:
                kept_by = description
            if first is not None and kept_by is not None:
                break
        if first is None:
            return None
        description, pattern = first
        discard = description.discard
        return Placement(
            output=description.output.name,
            keep=kept_by is not None and not discard,
            discard=discard,
            location=description.node.location,
            pattern=pattern.pattern,
            description=description,
            kept_by=None if discard else kept_by,
        )


def _calls(expr: ast.Expr, function: str) -> bool:
    return any(isinstance(e, ast.Call) and e.function == function for e in walk(expr))


def walk(expr: ast.Expr) -> Iterator[ast.Expr]:
    """Every sub-expression of ``expr``, iteratively."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.Unary):
            stack.append(node.operand)
        elif isinstance(node, ast.Binary):
            stack.extend((node.left, node.right))
        elif isinstance(node, ast.Conditional):
            stack.extend((node.condition, node.then, node.otherwise))
        elif isinstance(node, ast.Call):
            stack.extend(node.args)


def symbols_in(expr: ast.Expr) -> set[str]:
    """Symbol names an expression reads (not section-name arguments of ADDR/SIZEOF/…)."""
    names: set[str] = set()
    for node in walk(expr):
        if isinstance(node, ast.Symbol) and node.name != ".":
            names.add(node.name)
    section_args = {
        arg.name
        for node in walk(expr)
        if isinstance(node, ast.Call) and node.function in ("ADDR", "LOADADDR", "SIZEOF", "ALIGNOF", "ORIGIN", "LENGTH")
        for arg in node.args
        if isinstance(arg, ast.Symbol)
    }
    return names - section_args


def sections_in(expr: ast.Expr) -> set[str]:
    """Output-section names an expression reads through ADDR/LOADADDR/SIZEOF/ALIGNOF."""
    return {
        arg.name
        for node in walk(expr)
        if isinstance(node, ast.Call) and node.function in ("ADDR", "LOADADDR", "SIZEOF", "ALIGNOF")
        for arg in node.args
        if isinstance(arg, ast.Symbol)
    }
