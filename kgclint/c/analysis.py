"""Expand the file-scope items and asm templates that can reach a section, once per project.

Shared by the section index (placements from attributes) and the
inline-asm index (asm statements, including those a macro such as
``EXPORT_SYMBOL`` writes at file scope). Only items that spell a name
which can reach a section (``kgclint.analysis.macros``) are expanded, and
expansions are cached by the item's shape (``kgclint.c.normalize``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from kgclint.analysis.macros import MacroTable, Scope
from kgclint.c.declarations import AsmStatement, Declared, read
from kgclint.c.expander import Expander
from kgclint.c.facts import AsmPiece, CFacts, Item, MacroDef
from kgclint.c.normalize import normalize, restore
from kgclint.c.tokens import ID, PUNCT, STR, Token, string_value, tokenize
from kgclint.inputs import InputKind
from kgclint.location import Location
from kgclint.placement import MacroUse
from kgclint.project import Project


#: Limits for one item's expansion: section-placing macros expand to a few hundred tokens; an item
#: that grows past these is some other construct (tracepoint and wait-event generators) and is cut.
ITEM_TOKENS = 8_000
ITEM_STEPS = 20_000
#: A macro that took part in this many expansions that overran the limits, and in none that placed
#: anything, is no longer expanded (tracepoint headers: thousands of TRACE_EVENT uses, no section),
#: except in an expansion that places something, which is redone without bans.
MAX_OVERRUNS = 3
#: What ``__LINE__`` expands to while an item is expanded: a number no kernel source spells, put back as
#: the item's own line afterwards, so that items whose expansion names its line (every initcall: the
#: entry's symbol pastes ``__LINE__``) still share one expansion per shape.
LINE_MARK = "7390165283"


@dataclass(frozen=True, slots=True)
class ExpandedAsm:
    """An asm statement after expansion: its text, whether every piece was a string, its macro chain."""

    text: str
    complete: bool
    macros: tuple[MacroUse, ...]
    location: Location
    top_level: bool
    item: str | None = None


@dataclass(slots=True)
class ItemResult:
    """What one item expanded to: declarations, asm statements, the macros used and problems.

    ``section_macros[k]`` is the chain of macros (with where each is
    defined) that made ``declared[k]``'s section attribute. ``used`` names
    every macro the expansion went through. Items with the same shape
    share these tuples, and an item that needs none of its own names put
    back shares ``declared`` and ``named_twice`` too: a tree has some
    170,000 results, and per-result copies were most of their memory.
    """

    path: str
    item: Item
    declared: tuple[Declared, ...]
    section_macros: tuple[tuple[MacroUse, ...], ...]
    asm: list[ExpandedAsm]
    used: tuple[str, ...]
    problems: list[str]
    #: identifiers the expansion spells more than once (an entry another entry of the same macro points to)
    named_twice: tuple[str, ...] = ()

    @property
    def location(self) -> Location:
        return Location(self.path, self.item.line, self.item.column)


@dataclass
class _Cached:
    declared: tuple[Declared, ...]
    section_macros: tuple[tuple[MacroUse, ...], ...]
    asm: list[tuple[str, bool, tuple[MacroUse, ...]]]
    used: tuple[str, ...]
    problems: list[str]
    names: frozenset[str]
    repeated: tuple[str, ...]
    #: whether the expansion holds LINE_MARK, to be replaced by each item's line
    line_marked: bool = False


@dataclass
class FileExpansion:
    """One file's expanded items and asm templates, and the problems met."""

    path: str
    items: list[ItemResult] = field(default_factory=list)
    asm_pieces: list[ExpandedAsm] = field(default_factory=list)
    problems: list[tuple[Location, str]] = field(default_factory=list)


def _chain(tokens: Sequence[Token]) -> tuple[str, ...]:
    """The macros that made these tokens, outermost first, each once."""
    out: list[str] = []
    for tok in tokens:
        for name in tok.chain:
            if name not in out:
                out.append(name)
    return tuple(out)


def shard_of(path: str) -> str:
    """The shard a file's items are expanded in: its first two folders (``drivers/net``, ``fs/ext4``).

    Each shard has its own expansion cache and its own bans (MAX_OVERRUNS),
    so what a file's items expand to depends on its own subsystem's files
    only, never on how many workers ran or which other folders were named.
    """
    folders = path.split("/")[:-1]
    return "/".join(folders[:2])


class ShardExpander:
    """Expands the items of one shard's files, in path order, with the shard's cache and bans."""

    def __init__(self, table: MacroTable) -> None:
        self.table = table
        self._cache: dict[tuple[str, str], _Cached] = {}
        self._bodies: dict[int, list[Token]] = {}   # by id(MacroDef): the table's defs outlive this
        self._chains: dict[tuple[MacroUse, ...], tuple[MacroUse, ...]] = {}
        self._overruns: dict[str, int] = {}
        self._productive: set[str] = set()
        self.banned: set[str] = set()

    def expand_file(self, facts: CFacts) -> FileExpansion:
        out = FileExpansion(facts.path)
        scope = self.table.scope(facts.path)
        defined_on: dict[int, frozenset[str]] | None = None
        for item in facts.items:
            leaders = tuple(sorted(n for n in item.idents if scope.reaches_name(n)))
            if not leaders or self.banned.issuperset(leaders):
                continue
            if not self.banned.isdisjoint(leaders) and self.banned.issuperset(_outside_banned(item.text, self.banned)):
                continue
            if defined_on is None:
                defined_on = _defined_by_line(facts)
            result = self._expand_item(scope, facts, item, defined_on.get(item.line, frozenset()), out.problems)
            self._account(result)
            out.items.append(result)
        for piece in facts.asm:
            out.asm_pieces.append(self._expand_asm(scope, facts, piece, out.problems))
        return out

    def _account(self, result: ItemResult) -> None:
        """Ban macros that only ever overran the limits (see MAX_OVERRUNS)."""
        if any(d.section for d in result.declared) or result.asm:
            self._productive.update(result.used)
            return
        if not result.problems:
            return
        for name in result.used:
            if name in self._productive:
                continue
            count = self._overruns[name] = self._overruns.get(name, 0) + 1
            if count >= MAX_OVERRUNS:
                self.banned.add(name)

    def _expand(self, scope: Scope, facts: CFacts, text: str, line: int, kind: str,
                protected: frozenset[str] = frozenset()) -> tuple[_Cached, list[str]]:
        tokens = tokenize(text)
        key, normal, names = normalize(tokens, lambda n: n not in protected and scope.lookup(n) is not None)
        cache_key = (scope.arch, kind + "\0" + key)
        cached = self._cache.get(cache_key) or self._cache.get((scope.arch, f"{cache_key[1]}\0{line}"))
        if cached is not None and scope.defines_none_of(cached.names):
            return cached, names
        markable = LINE_MARK not in text
        expand_line = int(LINE_MARK) if markable else line
        expander, out, declared, asm = self._run(scope, facts, normal, expand_line, kind, protected, self.banned)
        if self.banned and (asm or any(d.section for d in declared)) and _banned_at_file_scope(out, self.banned):
            # A banned macro left unexpanded where an item declares would spell its symbol, section or
            # attributes wrong (``STATIC_CALL_KEY(x)`` for ``__SCK__x``): bans save time only where nothing
            # is placed. Unless the full expansion overruns the limits and would lose what this one found.
            full = self._run(scope, facts, normal, expand_line, kind, protected, frozenset())
            if not full[0].problems or expander.problems:
                expander, out, declared, asm = full
        used = expander.used
        counts: dict[str, int] = {}
        for tok in out:
            if tok.kind == ID:
                counts[tok.text] = counts.get(tok.text, 0) + 1
        seen = set(used) | set(counts)
        section_macros = tuple(self._uses(_chain(d.section_tokens), used) for d in declared)
        # the tokens served only to find that chain; each carries its hide set, kept per result they cost
        kept = tuple(replace(d, section_tokens=()) if d.section_tokens else d for d in declared)
        cached = _Cached(kept, section_macros, asm, tuple(used), list(expander.problems), frozenset(seen),
                         tuple(sorted(n for n, c in counts.items() if c > 1)), expander.line_used and markable)
        if scope.defines_none_of(cached.names):
            if expander.line_used and not markable:     # the item spells the mark: key it by its line
                cache_key = (scope.arch, f"{cache_key[1]}\0{line}")
            self._cache[cache_key] = cached
        return cached, names

    def _run(self, scope: Scope, facts: CFacts, normal: list[Token], line: int, kind: str,
             protected: frozenset[str], banned: set[str] | frozenset[str],
             ) -> tuple[Expander, list[Token], list[Declared], list[tuple[str, bool, tuple[MacroUse, ...]]]]:
        """Expand normalized tokens with ``banned`` and ``protected`` names left alone; read what they declare."""
        expander = Expander(lambda n: None if n in banned or n in protected else scope.lookup(n), line=line,
                            path=facts.path, max_tokens=ITEM_TOKENS, max_steps=ITEM_STEPS, bodies=self._bodies)
        out = expander.expand(normal)
        declared: list[Declared] = []
        asm: list[tuple[str, bool, tuple[MacroUse, ...]]] = []
        used = expander.used
        if kind == "asm":
            parts = [tok for tok in out if tok.kind == STR]
            asm.append(("".join(string_value(t.text) for t in parts), len(parts) == len(out),
                        self._uses(_chain(out), used)))
        else:
            for found in read(out, kind):
                if isinstance(found, AsmStatement):
                    asm.append((found.text, found.complete, self._uses(_chain(found.tokens), used)))
                else:
                    declared.append(found)
        return expander, out, declared, asm

    def _uses(self, names: tuple[str, ...], used: dict[str, MacroDef]) -> tuple[MacroUse, ...]:
        """The MacroUse chain (name and definition place) of macro names; equal chains are one object per shard."""
        chain = tuple(MacroUse(n, self.table.location(used[n])) for n in names if n in used)
        return self._chains.setdefault(chain, chain)

    def _expand_item(self, scope: Scope, facts: CFacts, item: Item, protected: frozenset[str],
                     problems: list[tuple[Location, str]]) -> ItemResult:
        # A name this item defines (``protected``) is not a macro here, even if an #else branch defines
        # it as one (``#define module_ei_init() (0)`` beside ``static int __init module_ei_init(void)``).
        cached, names = self._expand(scope, facts, item.text, item.line, item.kind, protected)
        location = Location(facts.path, item.line, item.column)
        line = str(item.line) if cached.line_marked else None
        own = bool(names) or line is not None
        declared = tuple(_restored(d, names, line) for d in cached.declared) if own else cached.declared
        asm = [
            ExpandedAsm(_put_back(text, names, line), complete, macros, location, True, item.text)
            for text, complete, macros in cached.asm
        ]
        problems.extend((location, problem) for problem in cached.problems)
        named_twice = tuple(_put_back(n, names, line) for n in cached.repeated) if own else cached.repeated
        return ItemResult(facts.path, item, declared, cached.section_macros, asm, cached.used, cached.problems,
                          named_twice)

    def _expand_asm(self, scope: Scope, facts: CFacts, piece: AsmPiece,
                    problems: list[tuple[Location, str]]) -> ExpandedAsm:
        location = Location(facts.path, piece.line, piece.column)
        cached, names = self._expand(scope, facts, piece.text, piece.line, "asm")
        text, complete, macros = cached.asm[0]
        problems.extend((location, problem) for problem in cached.problems)
        line = str(piece.line) if cached.line_marked else None
        return ExpandedAsm(_put_back(text, names, line), complete, macros, location, piece.top_level)


def _banned_at_file_scope(tokens: list[Token], banned: set[str]) -> bool:
    """Whether a banned name is left outside every ``{...}`` (bodies and initializers do not name what is placed)."""
    depth = 0
    for tok in tokens:
        if tok.kind == PUNCT and tok.text in "{}":
            depth += 1 if tok.text == "{" else -1
        elif depth <= 0 and tok.kind == ID and tok.text in banned:
            return True
    return False


def _outside_banned(text: str, banned: set[str]) -> set[str]:
    """The identifiers of ``text`` outside the argument lists of banned macros.

    A banned macro is a generator that only ever overran (``TRACE_EVENT``);
    the names in its arguments (``__field`` inside ``TP_STRUCT__entry``) are
    its data, and an item whose other names are all banned is skipped whole.
    """
    names: set[str] = set()
    depth = 0
    waiting = False             # a banned name was just seen: its argument list may follow
    for tok in tokenize(text):
        if depth:
            if tok.kind == PUNCT and tok.text in "()":
                depth += 1 if tok.text == "(" else -1
            continue
        if waiting and tok.kind == PUNCT and tok.text == "(":
            depth = 1
            waiting = False
            continue
        waiting = tok.kind == ID and tok.text in banned
        if tok.kind == ID:
            names.add(tok.text)
    return names


def _defined_by_line(facts: CFacts) -> dict[int, frozenset[str]]:
    """The names a file defines, by the line their item starts on."""
    by_line: dict[int, set[str]] = {}
    for definition in facts.definitions:
        by_line.setdefault(definition.location.line, set()).add(definition.name)
    return {line: frozenset(names) for line, names in by_line.items()}


class ItemExpansions:
    """Every relevant item of every C file, expanded (``project.analysis(ItemExpansions)``).

    Files are expanded shard by shard (``shard_of``); with ``project.jobs``
    above one and a tree-sized input, shards run in forked workers
    (``kgclint.c.shards``). Either way the results are the same and are
    kept in path order.
    """

    def __init__(self, project: Project) -> None:
        from kgclint.c.shards import expand_shards

        self.table: MacroTable = project.analysis(MacroTable)
        files = [facts for facts in project.facts(InputKind.C) if facts.items or facts.asm]
        by_path = {expansion.path: expansion for expansion in expand_shards(self.table, files, project.jobs)}
        self.items: list[ItemResult] = []
        self.asm_pieces: list[ExpandedAsm] = []
        self.problems: list[tuple[Location, str]] = []
        for facts in files:
            expansion = by_path[facts.path]
            self.items.extend(expansion.items)
            self.asm_pieces.extend(expansion.asm_pieces)
            self.problems.extend(expansion.problems)


def _put_back(text: str, names: list[str], line: str | None) -> str:
    """Cached text with this item's own names, and its line for LINE_MARK when ``line`` is given."""
    text = restore(text, names)
    return text.replace(LINE_MARK, line) if line is not None else text


def _restored(decl: Declared, names: list[str], line: str | None) -> Declared:
    """A cached declaration with this item's own names (and line) put back in its name and section."""
    if not names and line is None:
        return decl
    return replace(
        decl,
        name=_put_back(decl.name, names, line) if decl.name else None,
        section=_put_back(decl.section, names, line) if decl.section is not None else None,
    )
