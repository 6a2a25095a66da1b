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
the same in every configuration: when each ``#if`` branch leaves the
brace depth where the ``#if`` found it. Otherwise (a function head
written twice under ``#ifdef``/``#else``, a file that does not balance)
nothing is blanked and tree-sitter parses the file as it is.
"""

from __future__ import annotations

import re

from kgclint.c.items import NOISE

_SCAN = re.compile(
    NOISE.pattern
    + rb"|^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|elifdef|elifndef|else|endif)?\b(?:[^\n\\]|\\.)*|[{}]",
    re.M | re.S,
)
_BLANK = bytes(byte if byte == 0x0A else 0x20 for byte in range(256))
_OPEN, _CLOSE = ord("{"), ord("}")


def body_spans(data: bytes) -> list[tuple[int, int]] | None:
    """(start, end) of the inside of each top-level brace pair, or None when the pairing is not sure."""
    depth = 0
    start = 0
    spans: list[tuple[int, int]] = []
    branch_depths: list[int] = []       # per open #if: the depth it was met at
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
                branch_depths.append(depth)
            elif not branch_depths or branch_depths[-1] != depth:
                return None             # this branch moved the depth: pairs differ per configuration
            elif word == b"endif":
                branch_depths.pop()
    if depth:
        return None
    return spans


def hollowed(data: bytes) -> bytes:
    """``data`` with every top-level body's inside blanked; ``data`` itself when pairing is not sure."""
    spans = body_spans(data)
    if not spans:
        return data
    parts: list[bytes] = []
    last = 0
    for start, end in spans:
        parts.append(data[last:start])
        parts.append(data[start:end].translate(_BLANK))
        last = end
    parts.append(data[last:])
    return b"".join(parts)
