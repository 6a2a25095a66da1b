"""make's semantics for what Kbuild uses: variables, expansion, conditionals, includes.

No make is run. The evaluator runs a makefile's statements against an
environment of variables, with the configuration either known (a
``.config``: ``$(CONFIG_X)`` is its value, conditionals pick one branch) or
unknown (every branch: ``$(CONFIG_X)`` is ``y`` and a conditional on it runs
both branches). In the unknown case each word remembers the conditions it
was added under (its ``guards``, e.g. ``CONFIG_MODULES is not set``), so a
finding can say in which configurations it holds.

What make could do and kgclint cannot follow (``$(shell)``, ``$(wildcard)``,
``$(eval)``, a missing include) becomes a diagnostic at its line when it
feeds a variable the caller cares about, and evaluates to nothing.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from kgclint.findings import Diagnostic
from kgclint.frontends.kbuild import KbuildFacts
from kgclint.kbuild.syntax import Assign, Conditional, Export, Include, Statement, Unfollowed
from kgclint.location import Location

Guards = frozenset[str]
NO_GUARDS: Guards = frozenset()
MAX_DEPTH = 48
MAX_INCLUDE_DEPTH = 24
MAX_WORDS = 200_000


#: Variables that say what is built (obj-y, lib-m, foo-objs, subdir-y, core-y …): constructs
#: kgclint cannot follow are diagnosed where they feed one of these.
#: ``obj-y``, ``lib-$(CONFIG_X)``, ``core-`` (an unset option), ``foo-objs``; not ``core-edition``.
_MEMBERSHIP = re.compile(r"^(obj|lib|head|subdir|core|libs|drivers)-(?:[ymn]?$|\$)|(-y|-m|-objs)$")


def membership_variable(name: str) -> bool:
    """Whether a variable lists objects or directories Kbuild builds."""
    return "flags" not in name and bool(_MEMBERSHIP.search(name))


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a variable's value, the conditions it holds under, and the line that put it there."""

    text: str
    guards: Guards = NO_GUARDS
    origin: Location | None = None


@dataclass(frozen=True, slots=True)
class Var:
    """A make variable: simple (expanded words) or recursive (raw text chunks expanded on use)."""

    recursive: bool
    words: tuple[Word, ...] = ()
    chunks: tuple[tuple[str, Guards, Location | None], ...] = ()
    exported: bool = False


Env = dict[str, Var]
#: A piece of expanded text and the guards it carries.
Piece = tuple[str, Guards]


def to_words(pieces: list[Piece], origin: Location | None = None) -> list[Word]:
    """Split expanded pieces into words; a word's guards are those of every piece it is made of."""
    words: list[Word] = []
    text: list[str] = []
    guards: set[str] = set()

    def flush() -> None:
        if text:
            words.append(Word("".join(text), frozenset(guards), origin))
        text.clear()
        guards.clear()

    for piece, piece_guards in pieces:
        parts = piece.split()
        if not parts:
            if piece and piece.isspace():
                flush()
            elif piece_guards and text:
                guards.update(piece_guards)
            continue
        if piece[:1].isspace():
            flush()
        for i, part in enumerate(parts):
            if i:
                flush()
            text.append(part)
            guards.update(piece_guards)
        if piece[-1:].isspace():
            flush()
    flush()
    return words


def _words_pieces(words: list[Word]) -> list[Piece]:
    out: list[Piece] = []
    for i, word in enumerate(words):
        if i:
            out.append((" ", NO_GUARDS))
        out.append((word.text, word.guards))
    return out


def _text(pieces: list[Piece]) -> str:
    return "".join(p for p, _ in pieces)


def _guards(pieces: list[Piece]) -> Guards:
    out: set[str] = set()
    for _, g in pieces:
        out |= g
    return frozenset(out)


def _pattern_match(pattern: str, word: str) -> str | None:
    """make's ``%`` pattern: the stem when ``word`` matches, else None."""
    if "%" not in pattern:
        return "" if pattern == word else None
    head, _, tail = pattern.partition("%")
    if len(word) >= len(head) + len(tail) and word.startswith(head) and word.endswith(tail):
        return word[len(head):len(word) - len(tail)]
    return None


@dataclass
class _Context:
    guards: Guards
    location: Location
    report: bool
    depth: int = 0


@dataclass
class Evaluator:
    """Runs statements against an environment.

    ``config`` None means every branch. ``load`` returns a makefile's facts
    by tree-relative path (None when there is no such file). ``reported``
    says which assigned variables matter: constructs that cannot be followed
    are diagnosed only inside those (and in conditions and at unfollowed
    statements such as ``$(eval)``, when ``report_conditions``), so a
    makefile's unrelated ``$(shell)`` stays quiet.
    ``glob`` lists the tree paths matching a ``$(wildcard)`` pattern (None:
    ``$(wildcard)`` cannot be followed).
    """

    config: Mapping[str, str] | None
    load: Callable[[str], KbuildFacts | None]
    reported: Callable[[str], bool] = membership_variable
    glob: Callable[[str], list[str]] | None = None
    report_conditions: bool = True
    report_includes: bool = True
    diagnostics: list[Diagnostic] = field(default_factory=list)
    _seen: set[tuple[Location, str]] = field(default_factory=set)
    _includes: list[str] = field(default_factory=list)

    @property
    def all_branches(self) -> bool:
        return self.config is None

    def diagnose(self, where: Location, message: str) -> None:
        key = (where, message)
        if key not in self._seen:
            self._seen.add(key)
            self.diagnostics.append(Diagnostic(where, message))

    # statements -------------------------------------------------------------------------

    def run(self, facts: KbuildFacts, env: Env, guards: Guards = NO_GUARDS) -> Env:
        """Run a whole makefile; returns the (same, updated) environment."""
        self._includes.append(facts.path)
        try:
            return self._block(facts.statements, env, guards)
        finally:
            self._includes.pop()

    def _block(self, statements: tuple[Statement, ...], env: Env, guards: Guards) -> Env:
        for statement in statements:
            if isinstance(statement, Assign):
                self._assign(statement, env, guards)
            elif isinstance(statement, Conditional):
                env = self._conditional(statement, env, guards)
            elif isinstance(statement, Include):
                env = self._include(statement, env, guards)
            elif isinstance(statement, Unfollowed):
                if self.report_conditions and not statement.reported:
                    self.diagnose(statement.location, f"kgclint cannot follow {statement.construct}")
            elif isinstance(statement, Export):
                ctx = _Context(guards, statement.location, False)
                for word in to_words(self.expand(statement.names, env, ctx)):
                    var = env.get(word.text)
                    env[word.text] = replace(var, exported=True) if var else Var(False, exported=True)
        return env

    def _assign(self, statement: Assign, env: Env, guards: Guards) -> None:
        ctx = _Context(guards, statement.location, False)
        name_pieces = self.expand(statement.name, env, ctx)
        name = _text(name_pieces).strip()
        if not name:
            return
        # Flags matter only where they may carry -f[no-]function/data-sections.
        ctx.report = self.reported(name) or "-sections" in statement.value
        name_guards = _guards(name_pieces)
        guards = guards | name_guards
        old = env.get(name)
        exported = statement.export or (old.exported if old else False)
        op = statement.op
        where = statement.location
        if op == "?=" and old is not None:
            return
        if op == "!=":
            if ctx.report:
                self.diagnose(where, f"kgclint cannot follow '{name} != …' (a shell assignment); {name} is taken as empty")
            env[name] = Var(False, exported=exported)
        elif op in (":=", "::=", ":::=", "=", "?="):
            if op.startswith(":"):
                words = self._words(statement.value, env, ctx, guards, where)
                env[name] = Var(False, tuple(words), exported=exported)
            else:
                env[name] = Var(True, chunks=((statement.value, guards, where),), exported=exported)
            if old is not None and name_guards and self.all_branches:
                # ``proc-$(CONFIG_MMU) := task_mmu.o`` replaces proc-y only where the option is on: with
                # every branch taken, the value before it (``nommu.o``) still holds where it is off
                env[name] = merge({name: old}, {name: env[name]})[name]
        elif op == "+=":
            if old is None or old.recursive:
                chunks = (old.chunks if old else ()) + ((statement.value, guards, where),)
                env[name] = Var(True, chunks=chunks, exported=exported)
            else:
                words = self._words(statement.value, env, ctx, guards, where)
                env[name] = Var(False, old.words + tuple(words), exported=exported)

    def _words(self, value: str, env: Env, ctx: _Context, guards: Guards, where: Location) -> list[Word]:
        words = to_words(self.expand(value, env, ctx), where)
        return [Word(w.text, w.guards | guards, where) for w in words]

    def _include(self, statement: Include, env: Env, guards: Guards) -> Env:
        ctx = _Context(guards, statement.location, self.report_includes)
        for word in to_words(self.expand(statement.files, env, ctx)):
            path = posixpath.normpath(word.text)
            if path.startswith("../") or path.startswith("/"):
                if not statement.optional and ctx.report:
                    self.diagnose(statement.location, f"include of {word.text!r} outside the tree is not followed")
                continue
            if path in self._includes:
                self.diagnose(statement.location, f"recursive include of {path!r} (already being read) is not followed")
                continue
            if len(self._includes) >= MAX_INCLUDE_DEPTH:
                self.diagnose(statement.location, f"includes nested deeper than {MAX_INCLUDE_DEPTH}; {path!r} is not read")
                continue
            facts = self.load(path)
            if facts is None:
                if not statement.optional and ctx.report:
                    self.diagnose(statement.location, f"included file {path!r} does not exist in the tree")
                continue
            env = self.run(facts, env, guards)
        return env

    def _conditional(self, statement: Conditional, env: Env, guards: Guards) -> Env:
        decided, then_label, else_label = self._condition(statement, env, guards)
        if decided is True:
            return self._block(statement.then, env, guards)
        if decided is False:
            return self._block(statement.orelse, env, guards)
        then_env = self._block(statement.then, dict(env), guards | {then_label})
        else_env = self._block(statement.orelse, dict(env), guards | {else_label})
        return merge(then_env, else_env)

    def _condition(self, statement: Conditional, env: Env, guards: Guards) -> tuple[bool | None, str, str]:
        """True/False when decided; None to run both branches, with the labels of each."""
        ctx = _Context(guards, statement.location, self.report_conditions)
        if statement.kind in ("ifdef", "ifndef"):
            name_pieces = self.expand(statement.args[0], env, ctx)
            name = _text(name_pieces).strip()
            positive = statement.kind == "ifdef"
            label_set, label_unset = f"{name} is set", f"{name} is not set"
            if name.startswith("CONFIG_") and name not in env and self.all_branches:
                return None, *((label_set, label_unset) if positive else (label_unset, label_set))
            if _guards(name_pieces):
                return None, f"{statement.kind} {statement.args[0]}", f"not {statement.kind} {statement.args[0]}"
            var = env.get(name)
            if var is None:
                defined = bool(self.config and self.config.get(name)) if name.startswith("CONFIG_") else False
            elif var.recursive:
                defined = bool("".join(raw for raw, _, _ in var.chunks).strip())
            else:
                if self.all_branches and var.words and all(w.guards for w in var.words):
                    return None, *((label_set, label_unset) if positive else (label_unset, label_set))
                defined = bool(var.words)
            return defined == positive, "", ""
        left_raw, right_raw = statement.args
        before = len(self.diagnostics)
        ctx.report = True       # a construct kgclint cannot follow must be noticed, to take both branches
        left = self.expand(left_raw, env, ctx)
        right = self.expand(right_raw, env, ctx)
        unfollowed = len(self.diagnostics) > before
        if unfollowed and not (self.report_conditions and self._decides(statement)):
            del self.diagnostics[before:]
        positive = statement.kind == "ifeq"
        if unfollowed or _guards(left) or _guards(right):
            same, differ = _equality_labels(left_raw, right_raw)
            return None, *((same, differ) if positive else (differ, same))
        equal = _text(left).strip() == _text(right).strip()
        return equal == positive, "", ""

    def _decides(self, statement: Conditional) -> bool:
        """Whether a conditional's branches set what the model reads: a reported variable (membership lists),
        section flags, or anything through an include. Both branches are taken when the test cannot be
        followed, so only then is an unfollowable test worth a diagnostic (``KASAN_SANITIZE_x.o := n`` under
        ``$(call clang-min-version, …)`` is not)."""
        for inner in (*statement.then, *statement.orelse):
            if isinstance(inner, Include):
                return True
            if isinstance(inner, Assign) and (self.reported(inner.name) or "-sections" in inner.value):
                return True
            if isinstance(inner, Conditional) and self._decides(inner):
                return True
        return False

    # expansion --------------------------------------------------------------------------

    def expand(self, text: str, env: Env, ctx: _Context) -> list[Piece]:
        """Expand ``$(…)``/``${…}``/``$x``/``$$`` in text, as make does for an immediate context."""
        if "$" not in text:
            return [(text, NO_GUARDS)] if text else []
        if ctx.depth > MAX_DEPTH:
            self.diagnose(ctx.location, f"expansion nested deeper than {MAX_DEPTH} (a self-referencing variable?); cut off")
            return []
        out: list[Piece] = []
        i = 0
        literal: list[str] = []
        while i < len(text):
            ch = text[i]
            if ch != "$":
                literal.append(ch)
                i += 1
                continue
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if nxt == "$":
                literal.append("$")
                i += 2
                continue
            if literal:
                out.append(("".join(literal), NO_GUARDS))
                literal = []
            if nxt in "({":
                close = ")" if nxt == "(" else "}"
                end = _matching(text, i + 1, nxt, close)
                if end < 0:
                    if ctx.report:
                        self.diagnose(ctx.location, f"unterminated '$'{nxt} in {text[:60]!r}")
                    return out
                inner = text[i + 2:end]
                deeper = replace(ctx, depth=ctx.depth + 1)
                out.extend(self._reference(inner, env, deeper))
                i = end + 1
                continue
            if nxt:
                out.extend(self._value_pieces(nxt, env, replace(ctx, depth=ctx.depth + 1)))
            i += 2
        if literal:
            out.append(("".join(literal), NO_GUARDS))
        return out

    def _reference(self, inner: str, env: Env, ctx: _Context) -> list[Piece]:
        head = inner.split(None, 1)
        if head and len(head) == 2 and head[0] in _FUNCTIONS and not inner.startswith(head[0] + "="):
            return _FUNCTIONS[head[0]](self, _split_args(head[1]), env, ctx)
        if head and head[0] in _SILENT:
            return []
        if head and len(head) == 2 and head[0] in _UNFOLLOWED:
            if ctx.report:
                self.diagnose(ctx.location, f"kgclint cannot follow $({head[0]} …); it is taken as empty")
            return []
        if ":" in inner and "=" in inner and "$(" not in inner.split(":", 1)[0]:
            name, _, rule = inner.partition(":")
            src, _, dst = rule.partition("=")
            value = self._value_pieces(name.strip(), env, ctx)
            words = to_words(value)
            return _words_pieces([Word(_subst_ref(w.text, src, dst), w.guards) for w in words])
        name_pieces = self.expand(inner, env, ctx)
        name = _text(name_pieces).strip()
        value = self._value_pieces(name, env, ctx)
        extra = _guards(name_pieces)
        if extra:
            value = [(p, g | extra) for p, g in value] or [("", extra)]
        return value

    def _value_pieces(self, name: str, env: Env, ctx: _Context) -> list[Piece]:
        var = env.get(name)
        if var is None:
            if name.startswith("CONFIG_"):
                if self.config is None:
                    return [("y", frozenset({f"{name}=y"}))]
                value = self.config.get(name, "")
                return [(value, NO_GUARDS)] if value else []
            return []
        if not var.recursive:
            return [(p, g) for p, g in _words_pieces(list(var.words))]
        out: list[Piece] = []
        for raw, guards, _where in var.chunks:
            pieces = self.expand(raw, env, ctx)
            if out and pieces:
                out.append((" ", NO_GUARDS))
            out.extend((p, g | guards) for p, g in pieces)
        return out

    def text_words(self, text: str, env: Env, location: Location) -> list[Word]:
        """Any text (a rule's prerequisites, a recipe line) expanded and split into words, quietly."""
        return to_words(self.expand(text, env, _Context(NO_GUARDS, location, False)), location)

    def value_words(self, name: str, env: Env, location: Location) -> list[Word]:
        """A variable's value as words, each with its guards and the line that added it."""
        var = env.get(name)
        if var is None:
            return []
        if not var.recursive:
            return list(var.words)
        words: list[Word] = []
        ctx = _Context(NO_GUARDS, location, self.reported(name))
        for raw, guards, where in var.chunks:
            ctx.location = where or location
            for word in to_words(self.expand(raw, env, ctx), where):
                words.append(Word(word.text, word.guards | guards, where))
                if len(words) > MAX_WORDS:
                    self.diagnose(location, f"{name} has more than {MAX_WORDS} words; the rest is not read")
                    return words
        return words


def _equality_labels(left: str, right: str) -> tuple[str, str]:
    """Readable labels for the two branches of an ``ifeq`` that depends on the configuration."""
    for a, b in ((left, right), (right, left)):
        a = a.strip()
        if a.startswith("$(CONFIG_") and a.endswith(")") and "$" not in b:
            name = a[2:-1]
            if b.strip():
                return f"{name}={b.strip()}", f"{name}!={b.strip()}"
            return f"{name} is not set", f"{name} is set"
    return f"({left}) == ({right})", f"({left}) != ({right})"


def _subst_ref(word: str, src: str, dst: str) -> str:
    if "%" in src:
        stem = _pattern_match(src, word)
        return dst.replace("%", stem, 1) if stem is not None else word
    return word[: -len(src)] + dst if src and word.endswith(src) else word


def _matching(text: str, start: int, open_ch: str, close_ch: str) -> int:
    depth = 0
    for i in range(start, len(text)):
        ch = text[i]
        if ch == open_ch:
            depth += 1
        elif ch == close_ch:
            depth -= 1
            if depth == 0:
                return i
    return -1


def _split_args(text: str) -> list[str]:
    """Split a function's arguments at top-level commas, as make does."""
    args: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        if ch == "," and depth == 0:
            args.append("".join(current))
            current = []
        else:
            current.append(ch)
    args.append("".join(current))
    return args


def merge(a: Env, b: Env) -> Env:
    """The environment after a conditional whose branches both ran: each variable's words, united.

    A word in both branches keeps the guards common to both (it holds
    either way); a word in one branch keeps its own (which include that
    branch's condition).
    """
    out: Env = {}
    for name in a.keys() | b.keys():
        va, vb = a.get(name), b.get(name)
        if va is None or vb is None or va == vb:
            out[name] = va or vb  # type: ignore[assignment]
            continue
        exported = va.exported or vb.exported
        if va.recursive and vb.recursive:
            chunks: dict[tuple[str, Location | None], Guards] = {}
            for raw, guards, where in va.chunks + vb.chunks:
                key = (raw, where)
                chunks[key] = chunks[key] & guards if key in chunks else guards
            out[name] = Var(True, chunks=tuple((r, g, w) for (r, w), g in chunks.items()), exported=exported)
            continue
        words = _chunks_as_words(va) + _chunks_as_words(vb)
        merged: dict[tuple[str, Location | None], Guards] = {}
        for word in words:
            key = (word.text, word.origin)
            merged[key] = merged[key] & word.guards if key in merged else word.guards
        out[name] = Var(False, tuple(Word(t, g, o) for (t, o), g in merged.items()), exported=exported)
    return out


def _chunks_as_words(var: Var) -> list[Word]:
    if not var.recursive:
        return list(var.words)
    return [Word(raw.replace("$", "$$"), guards, where) for raw, guards, where in var.chunks]


# functions ------------------------------------------------------------------------------

Function = Callable[[Evaluator, list[str], Env, _Context], list[Piece]]


def _words_of(ev: Evaluator, arg: str, env: Env, ctx: _Context) -> list[Word]:
    return to_words(ev.expand(arg, env, ctx))


def _f_subst(ev: Evaluator, args: list[str], env: Env, ctx: _Context) -> list[Piece]:
    if len(args) < 3:
        return []
    src = _text(ev.expand(args[0], env, ctx))
    dst = _text(ev.expand(args[1], env, ctx))
    text = ev.expand(",".join(args[2:]), env, ctx)
    if not src:
        return text
    return [(p.replace(src, dst), g) for p, g in text]


def _f_patsubst(ev: Evaluator, args: list[str], env: Env, ctx: _Context) -> list[Piece]:
    if len(args) < 3:
        return []
    pattern = _text(ev.expand(args[0], env, ctx)).strip()
    repl = _text(ev.expand(args[1], env, ctx)).strip()
    out = []
    for w in _words_of(ev, ",".join(args[2:]), env, ctx):
        stem = _pattern_match(pattern, w.text)
        if stem is None:
            out.append(w)
        else:
            out.append(Word(repl.replace("%", stem, 1) if "%" in pattern else repl, w.guards))
    return _words_pieces(out)


def _filter(keep: bool) -> Function:
    def run(ev: Evaluator, args: list[str], env: Env, ctx: _Context) -> list[Piece]:
        if len(args) < 2:
            return []
        patterns = _words_of(ev, args[0], env, ctx)
        out = []
        for w in _words_of(ev, ",".join(args[1:]), env, ctx):
            # A pattern removes a word only where it holds whenever the word does.
            hits = [p for p in patterns if _pattern_match(p.text, w.text) is not None]
            if keep:
                if hits:
                    out.append(w)
            elif not any(p.guards <= w.guards for p in hits):
                out.append(w)
        return _words_pieces(out)
    return run


def _f_sort(ev: Evaluator, args: list[str], env: Env, ctx: _Context) -> list[Piece]:
    seen: dict[str, Word] = {}
    for w in _words_of(ev, ",".join(args), env, ctx):
        seen[w.text] = Word(w.text, seen[w.text].guards & w.guards) if w.text in seen else w
    return _words_pieces([seen[k] for k in sorted(seen)])


def _f_strip(ev: Evaluator, args: list[str], env: Env, ctx: _Context) -> list[Piece]:
    return _words_pieces(_words_of(ev, ",".join(args), env, ctx))


def _each(fn: Callable[[str], str]) -> Function:
    def run(ev: Evaluator, args: list[str], env: Env, ctx: _Context) -> list[Piece]:
        words = _words_of(ev, ",".join(args), env, ctx)
        return _words_pieces([Word(fn(w.text), w.guards) for w in words if fn(w.text)])
    return run


def _affix(prefix: bool) -> Function:
    def run(ev: Evaluator, args: list[str], env: Env, ctx: _Context) -> list[Piece]:
        if len(args) < 2:
            return []
        fix = _text(ev.expand(args[0], env, ctx)).strip()
        words = _words_of(ev, ",".join(args[1:]), env, ctx)
        return _words_pieces([Word(fix + w.text if prefix else w.text + fix, w.guards) for w in words])
    return run


def _f_findstring(ev: Evaluator, args: list[str], env: Env, ctx: _Context) -> list[Piece]:
    if len(args) < 2:
        return []
    needle = ev.expand(args[0], env, ctx)
    hay = ev.expand(",".join(args[1:]), env, ctx)
    if _text(needle) and _text(needle) in _text(hay):
        return [(_text(needle), _guards(needle) | _guards(hay))]
    return [("", _guards(hay))] if _guards(hay) else []


def _f_if(ev: Evaluator, args: list[str], env: Env, ctx: _Context) -> list[Piece]:
    cond = ev.expand(args[0], env, ctx)
    then = ev.expand(args[1], env, ctx) if len(args) > 1 else []
    orelse = ev.expand(",".join(args[2:]), env, ctx) if len(args) > 2 else []
    if ev.all_branches and _guards(cond):
        return then + [(" ", NO_GUARDS)] + orelse
    return then if _text(cond).strip() else orelse


def _f_or(ev: Evaluator, args: list[str], env: Env, ctx: _Context) -> list[Piece]:
    for arg in args:
        value = ev.expand(arg, env, ctx)
        if _text(value).strip():
            return value
    return []


def _f_and(ev: Evaluator, args: list[str], env: Env, ctx: _Context) -> list[Piece]:
    value: list[Piece] = []
    for arg in args:
        value = ev.expand(arg, env, ctx)
        if not _text(value).strip():
            return []
    return value


def _f_firstword(ev: Evaluator, args: list[str], env: Env, ctx: _Context) -> list[Piece]:
    words = _words_of(ev, ",".join(args), env, ctx)
    return _words_pieces(words[:1])


def _f_lastword(ev: Evaluator, args: list[str], env: Env, ctx: _Context) -> list[Piece]:
    words = _words_of(ev, ",".join(args), env, ctx)
    return _words_pieces(words[-1:])


def _f_words(ev: Evaluator, args: list[str], env: Env, ctx: _Context) -> list[Piece]:
    return [(str(len(_words_of(ev, ",".join(args), env, ctx))), NO_GUARDS)]


def _f_word(ev: Evaluator, args: list[str], env: Env, ctx: _Context) -> list[Piece]:
    if len(args) < 2:
        return []
    try:
        n = int(_text(ev.expand(args[0], env, ctx)).strip())
    except ValueError:
        return []
    words = _words_of(ev, ",".join(args[1:]), env, ctx)
    return _words_pieces(words[n - 1:n]) if n >= 1 else []


def _f_foreach(ev: Evaluator, args: list[str], env: Env, ctx: _Context) -> list[Piece]:
    if len(args) < 3:
        return []
    name = _text(ev.expand(args[0], env, ctx)).strip()
    saved = env.get(name)
    out: list[Piece] = []
    try:
        for w in _words_of(ev, args[1], env, ctx):
            env[name] = Var(False, (w,))
            if out:
                out.append((" ", NO_GUARDS))
            out.extend((p, g | w.guards) for p, g in ev.expand(",".join(args[2:]), env, ctx))
    finally:
        if saved is None:
            env.pop(name, None)
        else:
            env[name] = saved
    return out


def _f_call(ev: Evaluator, args: list[str], env: Env, ctx: _Context) -> list[Piece]:
    name = _text(ev.expand(args[0], env, ctx)).strip()
    var = env.get(name)
    if var is None:
        if ctx.report:
            ev.diagnose(ctx.location, f"kgclint cannot follow $(call {name},…): {name} is not defined in what kgclint reads")
        return []
    params = {str(i): Var(False, tuple(to_words(ev.expand(a, env, ctx)))) for i, a in enumerate(args[1:], start=1)}
    saved = {k: env.get(k) for k in params}
    env.update(params)
    try:
        return ev._value_pieces(name, env, ctx)
    finally:
        for k, v in saved.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v


def _f_wildcard(ev: Evaluator, args: list[str], env: Env, ctx: _Context) -> list[Piece]:
    """``$(wildcard …)``: the tree paths that match, in sorted order, when the evaluator can list the tree."""
    if ev.glob is None:
        if ctx.report:
            ev.diagnose(ctx.location, "kgclint cannot follow $(wildcard …); it is taken as empty")
        return []
    found: list[str] = []
    for word in _words_of(ev, ",".join(args), env, ctx):
        found.extend(ev.glob(word.text))
    return _words_pieces([Word(path) for path in found])


def _f_origin(ev: Evaluator, args: list[str], env: Env, ctx: _Context) -> list[Piece]:
    name = _text(ev.expand(",".join(args), env, ctx)).strip()
    return [("file" if name in env else "undefined", NO_GUARDS)]


def _tree_path(word: str) -> str:
    """Paths are tree-relative here, so the tree root plays the file-system root for realpath/abspath."""
    return posixpath.normpath(word)


def _dir(word: str) -> str:
    head, _, _ = word.rpartition("/")
    return head + "/" if head or word.startswith("/") else "./"


def _basename(word: str) -> str:
    base = word.rsplit("/", 1)[-1]
    return word[: len(word) - len(base) + base.rfind(".")] if "." in base else word


def _suffix(word: str) -> str:
    base = word.rsplit("/", 1)[-1]
    return base[base.rfind("."):] if "." in base else ""


_FUNCTIONS: dict[str, Function] = {
    "subst": _f_subst,
    "patsubst": _f_patsubst,
    "filter": _filter(True),
    "filter-out": _filter(False),
    "sort": _f_sort,
    "strip": _f_strip,
    "findstring": _f_findstring,
    "if": _f_if,
    "or": _f_or,
    "and": _f_and,
    "firstword": _f_firstword,
    "lastword": _f_lastword,
    "words": _f_words,
    "word": _f_word,
    "foreach": _f_foreach,
    "call": _f_call,
    "addprefix": _affix(True),
    "addsuffix": _affix(False),
    "dir": _each(_dir),
    "notdir": _each(lambda w: w.rsplit("/", 1)[-1]),
    "basename": _each(_basename),
    "suffix": _each(_suffix),
    "origin": _f_origin,
    "wildcard": _f_wildcard,
    "realpath": _each(_tree_path),
    "abspath": _each(_tree_path),
}

#: Functions whose result depends on the file system, the shell or make's own state: not followed.
_UNFOLLOWED = frozenset({
    "shell", "eval", "file", "value", "flavor",
    "guile", "intcmp", "let",
})
#: Functions that only print or stop make: they add nothing to a value.
_SILENT = frozenset({"info", "warning", "error"})

