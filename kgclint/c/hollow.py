"""The file-scope view of a C file: the inside of every top-level ``{...}`` blanked before tree-sitter sees it.

The C front-end reads only file scope (item heads, where bodies begin and
end); function bodies and initializers are atoms to it. Yet tree-sitter
spends most of its time in them, and kernel bodies full of macros and
``#ifdef``-split statements send its error recovery astray, sometimes
past the closing brace so that the next items are lost. Blanking a body's
inside (every byte but newlines becomes a space) keeps each offset, line
and column, so the facts read from the hollowed parse point into the
original text unchanged.

Braces are paired by a scan that skips comments, string and character
literals and preprocessor lines. The pairing is only trusted when it is
the same in every configuration: when the branches of each ``#if`` end
at one brace depth, and at file scope leave it alone. Otherwise (a
function head written twice under ``#ifdef``/``#else``, a file that does
not balance) nothing is blanked and tree-sitter parses the file as it is.
"""

from __future__ import annotations

import re

from kgclint.c.items import DIRECTIVE_LINE, NOISE

_SCAN = re.compile(
    NOISE.pattern
    + rb"|^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|elifdef|elifndef|else|endif)?\b(?:[^\n\\]|\\.)*|[{}]",
    re.M | re.S,
)
_BLANK = bytes(byte if byte == 0x0A else 0x20 for byte in range(256))
#: Blanks all but newlines and backslashes: a comment inside a directive keeps the line splices around it.
_BLANK_SPLICED = bytes(byte if byte in (0x0A, 0x5C) else 0x20 for byte in range(256))
_CONTINUED_AFTER_COMMENT = re.compile(rb"\*/[^\n]*\\\n")
_OPEN, _CLOSE = ord("{"), ord("}")


def body_spans(data: bytes) -> list[tuple[int, int]] | None:
    """(start, end) of the inside of each top-level brace pair, or None when the pairing is not sure.

    The branches of an ``#if`` are alternatives: each starts at the depth
    the ``#if`` found, and all must end at one depth (an ``#if`` without
    ``#else`` has an empty branch, so it must end where it began). Inside a
    body that allows the common ``#ifdef X`` / ``if (a) {`` / ``#else`` /
    ``if (b) {`` / ``#endif``; at file scope a branch must leave the depth
    alone, so a function head written per branch is never paired.
    """
    depth = 0
    start = 0
    spans: list[tuple[int, int]] = []
    frames: list[_Branches] = []        # per open #if
    for match in _SCAN.finditer(data):
        first = data[match.start()]
        if first == _OPEN:
            if depth == 0:
                start = match.end()
            depth += 1
        elif first == _CLOSE:
            depth -= 1
            if depth < 0:
                return None
            if depth == 0:
                spans.append((start, match.start()))
        else:
            word = match.group(1)
            if word is None:
                continue                # a comment, a literal, another directive
            if word.startswith(b"if"):
                frames.append(_Branches(depth))
                continue
            if not frames or not frames[-1].ends_branch(depth):
                return None             # this branch moved the depth its own way: pairs differ per configuration
            if word == b"endif":
                frame = frames.pop()
                if not frame.has_else and depth != frame.entry:
                    return None         # the configuration without this branch pairs differently
            else:
                frames[-1].has_else = word == b"else" or frames[-1].has_else
                depth = frames[-1].entry
    if depth or frames:
        return None
    return spans


class _Branches:
    """One open ``#if``: the depth it began at and the depth its branches end at."""

    __slots__ = ("entry", "end", "has_else")

    def __init__(self, entry: int) -> None:
        self.entry = entry
        self.end: int | None = None
        self.has_else = False

    def ends_branch(self, depth: int) -> bool:
        """Whether a branch ending at ``depth`` agrees with the others (at file scope: leaves the depth alone)."""
        if self.entry == 0:
            return depth == 0
        if self.end is None:
            self.end = depth
        return depth == self.end


def directive_comments(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each comment inside a ``#define`` (or other directive) that goes on after it.

    tree-sitter-c ends a macro's value at the first ``/*``: the lines after
    ``/* ... */ \\`` are read as file-scope code (``drivers/char/random.c``'s
    ``DEFINE_BATCHED_ENTROPY`` made a function item of its macro body). cpp
    removes comments after joining the lines, so blanking them (keeping the
    backslash-newlines) gives tree-sitter the directive cpp sees. Only files
    where a comment closes on a continued line (some 480 of Linux's) are
    scanned for it.
    """
    if _CONTINUED_AFTER_COMMENT.search(data) is None:
        return []
    spans: list[tuple[int, int]] = []
    for directive in DIRECTIVE_LINE.finditer(data):
        text = directive.group()
        if b"/*" not in text or b"\\\n" not in text:
            continue
        base = directive.start()
        spans.extend((base + m.start(), base + m.end())
                     for m in NOISE.finditer(text) if text.startswith(b"/*", m.start()))
    return spans


def hollowed(data: bytes) -> bytes:
    """``data`` with every top-level body's inside blanked (none when pairing is not sure), and comments inside
    continued directives blanked (``directive_comments``); ``data`` itself when there is neither."""
    bodies = body_spans(data) or []
    comments = directive_comments(data)
    if comments:        # a directive inside a body is blanked with the body
        comments = [c for c in comments if not any(start <= c[0] < end for start, end in bodies)]
    blanks = sorted([(start, end, _BLANK) for start, end in bodies]
                    + [(start, end, _BLANK_SPLICED) for start, end in comments])
    if not blanks:
        return data
    parts: list[bytes] = []
    last = 0
    for start, end, table in blanks:
        parts.append(data[last:start])
        parts.append(data[start:end].translate(table))
        last = end
    parts.append(data[last:])
    return b"".join(parts)
