"""Preprocessor lines of one file: ``#define``, ``#undef``, ``#include`` and the ``#if`` nesting.

Read with regular expressions over the whole text (C speed), not through
tree-sitter, so that a directive inside a function body, an ERROR region or
a file tree-sitter never sees is still found. No condition is evaluated:
every branch's definitions are kept with the tests around them.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from kgclint.c.facts import Include, MacroDef
from kgclint.c.items import NOISE

_DIRECTIVE = re.compile(rb"^[ \t]*#[ \t]*([a-z]+)\b((?:[^\n\\]|\\.)*)", re.M | re.S)
#: Block comments (an unclosed one runs to the end), and a line in one that starts with ``#``: a directive
#: commented out, or prose (``# tc qdisc add``). Both scan linearly, whatever the input.
_BLOCK_COMMENT = re.compile(rb"/\*.*?(?:\*/|\Z)", re.S)
_HASH_LINE = re.compile(rb"\n[ \t]*#")
_COMMENT = re.compile(rb"/\*.*?\*/|//[^\n]*", re.S)
_DEFINE = re.compile(rb"[ \t]*([A-Za-z_]\w*)(\([^)]*\))?(.*)", re.S)
_INCLUDE = re.compile(rb'\s*(?:<([^>\n]+)>|"([^"\n]+)")')
_DEFINED = re.compile(rb"^(!?)\s*(?:defined\s*\(\s*(\w+)\s*\)|defined\s+(\w+)|([A-Za-z_]\w*))$")

#: Purely numeric object-like defines (register maps) in files above LARGE_FILE bytes are not kept.
_NUMERIC_DEFINE = re.compile(
    rb"^[ \t]*#[ \t]*define[ \t]+\w+[ \t]+\(?-?(?:0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*\)?[ \t]*"
    rb"(?:/\*[^\n]*?\*/[ \t]*|//[^\n]*)?$",
    re.M,
)
_CONDITIONAL_KINDS = frozenset({b"if", b"ifdef", b"ifndef", b"elif", b"else", b"endif"})
LARGE_FILE = 256 * 1024
#: A macro body longer than this is cut (no real kernel macro comes close).
MAX_BODY = 64 * 1024


@dataclass
class Directives:
    """What the preprocessor lines of a file say."""

    defines: list[MacroDef] = field(default_factory=list)
    undefs: list[str] = field(default_factory=list)
    includes: list[Include] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    #: lines of the #if/#elif/#else/#endif lines, and the open branches after each: a chain of
    #: (this #if's tests, the enclosing chain), shared, so a 20,000-deep nest costs no copies
    branch_lines: list[int] = field(default_factory=list)
    branch_chains: list[tuple | None] = field(default_factory=list)

    def conditions_at(self, line: int) -> tuple[str, ...]:
        """The tests (``+X`` defined, ``-X`` not, ``?expr``) that hold where ``line`` is compiled."""
        index = bisect.bisect_left(self.branch_lines, line) - 1
        return _flatten(self.branch_chains[index] if index >= 0 else None)


def _flatten(chain: tuple | None) -> tuple[str, ...]:
    """The tests of a chain of open branches, outermost ``#if`` first."""
    frames = []
    while chain is not None:
        frames.append(chain[0])
        chain = chain[1]
    return tuple(c for frame in reversed(frames) for c in frame)


def _condition(kind: bytes, expr: bytes) -> str:
    expr = _COMMENT.sub(b" ", expr).strip()
    if kind == b"ifdef":
        return "+" + expr.split()[0].decode("latin-1") if expr else "?"
    if kind == b"ifndef":
        return "-" + expr.split()[0].decode("latin-1") if expr else "?"
    match = _DEFINED.match(expr)
    if match:
        name = (match.group(2) or match.group(3) or match.group(4)).decode("latin-1")
        return ("-" if match.group(1) else "+") + name
    return "?" + expr[:60].decode("latin-1")


def _negate(cond: str) -> str:
    if cond.startswith("+"):
        return "-" + cond[1:]
    if cond.startswith("-"):
        return "+" + cond[1:]
    return "-" + cond


def _define(rest: bytes, line: int, conditions: tuple[str, ...], path: str, known: dict) -> MacroDef | None:
    """One ``#define``'s macro; equal bodies and parameter lists share one object through ``known``
    (a register map repeats ``0x1`` thousands of times, and the facts keep every define)."""
    match = _DEFINE.match(rest)
    if not match:
        return None
    name = match.group(1).decode("latin-1")
    raw_params, body = match.group(2), match.group(3)
    params: tuple[str, ...] | None = None
    variadic: str | None = None
    if raw_params is not None:
        names = [p.strip() for p in raw_params[1:-1].decode("latin-1").split(",")]
        if names == [""]:
            names = []
        if names and names[-1].endswith("..."):
            last = names[-1][:-3].strip() or "__VA_ARGS__"
            names[-1] = last
            variadic = last
        params = known.setdefault(tuple(names), tuple(names))
    body = body.replace(b"\\\n", b" ")
    if b"/" in body:
        body = _COMMENT.sub(b" ", body)
    text = body.strip().decode("latin-1")[:MAX_BODY]
    return MacroDef(name, params, variadic, known.setdefault(text, text), line, conditions, path)


def scan_directives(data: bytes, path: str = "") -> Directives:
    """The defines, undefs and includes of ``data`` (the file ``path``), each with its line and enclosing conditions.

    The defines of one ``#if`` branch share one conditions tuple: a register
    map's thousands of defines would otherwise each hold a copy.
    """
    out = Directives()
    text = data if len(data) <= LARGE_FILE else _NUMERIC_DEFINE.sub(b"", data)
    stack: list[list[str]] = []          # per open #if: the conditions of the branches so far
    chain: tuple | None = None           # per open #if, innermost first: the tests true in its current branch
    conditions: tuple[str, ...] | None = ()   # the flattened ``chain``; None after a change
    known: dict = {}
    commented = _commented_out(text)
    line = 1
    pos = 0
    for match in _DIRECTIVE.finditer(text):
        line += text.count(b"\n", pos, match.start())
        pos = match.start()
        if commented and _inside(commented, pos) or _continues_line(text, pos):
            continue
        kind, rest = match.group(1), match.group(2)
        if kind == b"define":
            if b"/*" in rest and b"*/" not in rest[rest.rfind(b"/*"):]:
                close = text.find(b"*/", match.end())
                if close >= 0:
                    eol = text.find(b"\n", close)
                    rest = text[match.start(2): eol if eol >= 0 else len(text)]
            if conditions is None:
                conditions = _flatten(chain)
            macro = _define(rest, line, conditions, path, known)
            if macro is not None:
                out.defines.append(macro)
        elif kind == b"include":
            inc = _INCLUDE.match(rest)
            if inc:
                system = inc.group(1) is not None
                out.includes.append(Include((inc.group(1) or inc.group(2)).decode("latin-1"), system, line))
        elif kind == b"undef":
            parts = rest.split()
            if parts:
                out.undefs.append(parts[0].decode("latin-1"))
        elif kind in (b"if", b"ifdef", b"ifndef"):
            cond = _condition(kind, rest)
            stack.append([cond])
            chain = ((cond,), chain)
        elif kind == b"elif" and stack:
            cond = _condition(b"if", rest)
            chain = (tuple(_negate(c) for c in stack[-1]) + (cond,), chain[1])
            stack[-1].append(cond)
        elif kind == b"else" and stack:
            chain = (tuple(_negate(c) for c in stack[-1]), chain[1])
        elif kind == b"endif":
            if stack:
                stack.pop()
                chain = chain[1]
            else:
                out.problems.append((line, "#endif without #if"))
        if kind in _CONDITIONAL_KINDS:
            conditions = None
            out.branch_lines.append(line)
            out.branch_chains.append(chain)
    if stack:
        out.problems.append((line, f"{len(stack)} #if block(s) not closed at end of file"))
    return out


def _continues_line(text: bytes, start: int) -> bool:
    """Whether the line at ``start`` is spliced onto the one before (``\\`` ending it), so no directive starts there.

    bpftool's code generators write ``#ifdef __cplusplus`` inside string
    literals continued over lines; after splicing it is in the middle of a
    logical line, which is what cpp reads.
    """
    return text.endswith(b"\\\n", 0, start) or text.endswith(b"\\\r\n", 0, start)


def _commented_out(text: bytes) -> tuple[list[int], list[int]] | None:
    """Starts and ends of the block comments that hold a ``#`` line, or None when no comment does (most files).

    ``/* ... \n#define pr_debug printk\n ... */`` defines nothing, and an
    ``#ifdef`` in a changelog opens no branch. The cheap search rules out
    almost every file; the exact pass knows string literals (``"/*"``).
    """
    if not any(_HASH_LINE.search(text, m.start(), m.end()) for m in _BLOCK_COMMENT.finditer(text)):
        return None
    starts: list[int] = []
    ends: list[int] = []
    for match in NOISE.finditer(text):
        if text.startswith(b"/*", match.start()):
            starts.append(match.start())
            ends.append(match.end())
    return starts, ends


def _inside(spans: tuple[list[int], list[int]], offset: int) -> bool:
    """Whether ``offset`` lies inside one of the comment spans."""
    starts, ends = spans
    index = bisect.bisect_right(starts, offset) - 1
    return index >= 0 and offset < ends[index]
