"""The Kbuild makefile front-end: a ``Makefile``/``Kbuild`` file's statements, unexpanded.

It reads the file the way make does for what Kbuild uses: line
continuations, comments, ``=``/``:=``/``+=``/``?=`` assignments,
``ifeq``/``ifneq``/``ifdef``/``ifndef``/``else``/``endif``, ``include``,
``export``, ``override``, and rules with their recipe lines; ``define``
blocks are skipped. A line it cannot place becomes a diagnostic naming the construct,
and parsing goes on. Nothing is expanded here: ``obj-$(CONFIG_X)`` needs the
configuration and other makefiles' variables, which the evaluator
(``kgclint.kbuild.evaluate``) has and a pure per-file front-end does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kgclint.findings import Diagnostic
from kgclint.inputs import SourceInput
from kgclint.kbuild.syntax import Assign, Conditional, Export, Include, Rule, Statement, Unfollowed
from kgclint.location import Location

#: Bounds that keep junk input from costing more than a real makefile (the largest in Linux is ~2,200 lines).
MAX_BYTES = 4 * 1024 * 1024
MAX_NESTING = 64

_CONDITIONALS = ("ifeq", "ifneq", "ifdef", "ifndef")
_ASSIGN_OPS = (":::=", "::=", ":=", "+=", "?=", "!=", "=")


@dataclass(frozen=True, slots=True)
class KbuildFacts:
    """One makefile's statements (see ``kgclint.kbuild.syntax``) and what could not be read."""

    path: str
    statements: tuple[Statement, ...]
    diagnostics: tuple[Diagnostic, ...] = ()


@dataclass
class _Frame:
    kind: str
    args: tuple[str, ...]
    location: Location
    chained: bool
    then: list[Statement] = field(default_factory=list)
    orelse: list[Statement] = field(default_factory=list)
    in_else: bool = False

    def body(self) -> list[Statement]:
        return self.orelse if self.in_else else self.then

    def close(self) -> Conditional:
        return Conditional(self.kind, self.args, tuple(self.then), tuple(self.orelse), self.location)


def parse(source: SourceInput) -> KbuildFacts:
    """Parse one makefile; never raises on bad input (binary, unbalanced ``endif``, unknown syntax)."""
    diagnostics: list[Diagnostic] = []
    data = source.data
    if b"\0" in data[:8192]:
        return KbuildFacts(source.path, (), (Diagnostic(Location(source.path, 1), "binary data, not a makefile"),))
    if len(data) > MAX_BYTES:
        diagnostics.append(Diagnostic(Location(source.path, 1), f"larger than {MAX_BYTES} bytes; only the start is read"))
        data = data[:MAX_BYTES]
    text = data.decode("utf-8", errors="replace")
    parser = _Parser(source.path, diagnostics)
    for number, line, raw in _logical_lines(text):
        parser.line(number, line, raw)
    return KbuildFacts(source.path, parser.finish(), tuple(diagnostics))


def _logical_lines(text: str):
    """(first line number, line joined over backslash-newlines, raw first physical line)."""
    physical = text.split("\n")
    i = 0
    while i < len(physical):
        start = i
        first = physical[i]
        parts = [first]
        while _continues(parts[-1]) and i + 1 < len(physical):
            parts[-1] = parts[-1][:-1].rstrip()
            i += 1
            parts.append(physical[i].lstrip())
        if _continues(parts[-1]):
            parts[-1] = parts[-1][:-1]
        i += 1
        yield start + 1, " ".join(parts).rstrip("\r"), first


def _continues(line: str) -> bool:
    stripped = line.rstrip("\r")
    count = len(stripped) - len(stripped.rstrip("\\"))
    return count % 2 == 1


def _strip_comment(line: str) -> str:
    """Drop a ``#`` comment; ``\\#`` is a literal hash, as in make."""
    out: list[str] = []
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line) and line[i + 1] == "#":
            out.append("#")
            i += 2
            continue
        if ch == "#":
            break
        out.append(ch)
        i += 1
    return "".join(out)


def find_operator(line: str) -> tuple[int, str] | None:
    """Where the first assignment operator or rule colon sits outside ``$(…)``: (index, op or ``:``)."""
    depth = 0
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "$" and i + 1 < len(line) and line[i + 1] in "({":
            depth += 1
            i += 2
            continue
        if depth and ch in ")}":
            depth -= 1
        elif depth == 0:
            for op in _ASSIGN_OPS:
                if line.startswith(op, i):
                    return i, op
            if ch == ":":
                return i, ":"
        i += 1
    return None


class _Parser:
    def __init__(self, path: str, diagnostics: list[Diagnostic]) -> None:
        self.path = path
        self.diagnostics = diagnostics
        self.top: list[Statement] = []
        self.frames: list[_Frame] = []
        self.in_rule = False
        #: the rule being read: the body it belongs to, targets, prerequisites, where, recipe lines so far
        self._rule: tuple[list[Statement], str, str, Location, list[str]] | None = None
        self.define_depth = 0
        self.define_at: Location | None = None

    def _body(self) -> list[Statement]:
        return self.frames[-1].body() if self.frames else self.top

    def _diag(self, where: Location, message: str) -> None:
        self.diagnostics.append(Diagnostic(where, message))

    def line(self, number: int, line: str, raw: str) -> None:
        where = Location(self.path, number)
        if self.define_depth:
            word = line.strip().split(None, 1)[0] if line.strip() else ""
            if word == "endef":
                self.define_depth -= 1
            elif word == "define" or line.lstrip().startswith("define "):
                self.define_depth += 1
            return
        if raw.startswith("\t") and self.in_rule:
            if self._rule is not None and line.strip():
                self._rule[4].append(line.strip())
            return
        self._end_rule()
        text = _strip_comment(line).strip()
        if not text:
            return
        word, _, rest = text.partition(" ")
        if "\t" in word:
            word, _, more = word.partition("\t")
            rest = (more + " " + rest).strip()
        rest = rest.strip()
        if word in _CONDITIONALS:
            self._open(word, rest, where, chained=False)
            return
        if word == "else":
            self._else(rest, where)
            return
        if word == "endif":
            self._endif(where)
            return
        if word == "define":
            self.define_depth = 1
            self.define_at = where
            self.in_rule = False
            return
        if word == "endef":
            self._diag(where, "'endef' without 'define'")
            return
        if word in ("include", "-include", "sinclude"):
            self._body().append(Include(rest, word != "include", where))
            self.in_rule = False
            return
        if word in ("export", "unexport", "override", "private"):
            self._modified(word, rest, where)
            return
        if word in ("vpath", "undefine", "load"):
            self._unfollowed(f"'{word}' directive", where)
            return
        self._statement(text, where, export=False)

    def _modified(self, word: str, rest: str, where: Location) -> None:
        self.in_rule = False
        if word == "unexport" or not rest:
            return
        if rest.split(None, 1)[0] == "define":     # ``override define X`` / ``export define X``: a define block
            self.define_depth = 1
            self.define_at = where
            return
        found = find_operator(rest)
        if found is None or found[1] == ":":
            if word == "export":
                self._body().append(Export(rest, where))
            return
        self._statement(rest, where, export=word == "export")

    def _statement(self, text: str, where: Location, *, export: bool) -> None:
        found = find_operator(text)
        if found is None:
            self.in_rule = False
            construct = text.split(None, 1)[0][:60]
            if text.startswith(("$(", "${")):
                # Only $(eval) turns text into make statements; other bare calls print or fail.
                if "$(eval" in text or "${eval" in text:
                    self._unfollowed(f"$(eval ...) in {text[:60]!r} (it may define variables kgclint cannot see)", where)
            else:
                self._unfollowed(f"unknown makefile syntax {construct!r}", where, malformed=True)
            return
        index, op = found
        if op == ":":
            self.in_rule = True
            self._start_rule(text[:index].strip(), text[index + 1:], where)
            return
        name = text[:index].strip()
        value = text[index + len(op):].strip()
        if not name or _has_space_outside_refs(name):
            self._unfollowed(f"assignment to {name!r} (a target-specific or multi-word variable)", where,
                             malformed=True)
            return
        self.in_rule = False
        self._body().append(Assign(name, op, value, where, export))

    def _start_rule(self, targets: str, rest: str, where: Location) -> None:
        """Begin a rule; a target-specific assignment (``prog: CFLAGS += -O0``) is none."""
        rest = rest[1:] if rest.startswith(":") else rest        # a double-colon rule
        found = find_operator(rest)
        if found is not None and found[1] != ":":
            return
        prerequisites, _, inline = rest.partition(";")
        self._rule = (self._body(), targets, prerequisites.strip(), where, [inline.strip()] if inline.strip() else [])

    def _end_rule(self) -> None:
        if self._rule is not None:
            body, targets, prerequisites, where, recipe = self._rule
            body.append(Rule(targets, prerequisites, tuple(recipe), where))
            self._rule = None

    def _unfollowed(self, construct: str, where: Location, *, malformed: bool = False) -> None:
        """Keep a construct the model does not follow; text that is not make at all is also diagnosed here."""
        if malformed:
            self._diag(where, f"kgclint cannot follow {construct}")
        self._body().append(Unfollowed(construct, where, reported=malformed))

    def _open(self, kind: str, rest: str, where: Location, *, chained: bool) -> None:
        if len(self.frames) >= MAX_NESTING:
            self._diag(where, f"conditionals nested deeper than {MAX_NESTING}; this one is read as false")
            args: tuple[str, ...] = ("x", "y") if kind in ("ifeq", "ifneq") else ("",)
            kind = "ifeq" if kind in ("ifeq", "ifneq") else "ifdef"
        else:
            args = _condition_args(kind, rest)
            if args is None:
                self._diag(where, f"kgclint cannot read the condition '{kind} {rest[:60]}'")
                args = ("?", "?") if kind in ("ifeq", "ifneq") else ("?",)
                self._body().append(Unfollowed(f"condition '{kind} {rest[:60]}'", where))
        frame = _Frame(kind, args, where, chained)
        self.frames.append(frame)

    def _else(self, rest: str, where: Location) -> None:
        if not self.frames:
            self._diag(where, "'else' without a conditional")
            return
        frame = self.frames[-1]
        if frame.in_else:
            self._diag(where, "a second 'else' in one conditional")
            return
        frame.in_else = True
        if rest:
            kind, _, cond = rest.partition(" ")
            if kind in _CONDITIONALS:
                self._open(kind, cond.strip(), where, chained=True)
            else:
                self._diag(where, f"'else {kind}' is not a conditional")

    def _endif(self, where: Location) -> None:
        if not self.frames:
            self._diag(where, "'endif' without a conditional")
            return
        while self.frames:
            frame = self.frames.pop()
            closed = frame.close()
            self._body().append(closed)
            if not frame.chained:
                break

    def finish(self) -> tuple[Statement, ...]:
        self._end_rule()
        if self.define_depth and self.define_at is not None:
            self._diag(self.define_at, "'define' without 'endef'")
        while self.frames:
            frame = self.frames[-1]
            if not frame.chained:
                self._diag(frame.location, f"'{frame.kind}' without 'endif'")
            self._endif(frame.location)
        return tuple(self.top)


def _has_space_outside_refs(name: str) -> bool:
    """Whether a variable name has white space outside ``$(…)``: then it is not one variable."""
    depth = 0
    for ch in name:
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        elif ch.isspace() and depth <= 0:
            return True
    return False


def _condition_args(kind: str, rest: str) -> tuple[str, ...] | None:
    """The arguments of a conditional, or None when they are not in a form make accepts."""
    if kind in ("ifdef", "ifndef"):
        return (rest.strip(),) if rest.strip() else None
    rest = rest.strip()
    if rest.startswith("("):
        if not rest.endswith(")"):
            return None
        inner = rest[1:-1]
        depth = 0
        for i, ch in enumerate(inner):
            if ch in "({":
                depth += 1
            elif ch in ")}":
                depth -= 1
            elif ch == "," and depth == 0:
                return inner[:i].strip(), inner[i + 1:].strip()
        return None
    if rest and rest[0] in "\"'":
        quote = rest[0]
        end = rest.find(quote, 1)
        if end < 0:
            return None
        left = rest[1:end]
        second = rest[end + 1:].strip()
        if len(second) < 2 or second[0] not in "\"'" or second[-1] != second[0]:
            return None
        return left, second[1:-1]
    return None
