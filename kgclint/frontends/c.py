"""The C front-end: one ``.c``/``.h`` file's bytes in, ``CFacts`` out, read by no other file.

tree-sitter-c finds where file-scope items and function bodies begin and
end (fast, in C, over the file with its bodies blanked: ``kgclint.c.hollow``);
Python looks only at item heads, preprocessor lines and asm templates.
Macro expansion needs other files' definitions, so it is left to the
project analyses (``kgclint.analysis.macros``/``sections``).

Bad input never raises: non-UTF-8 bytes (read as Latin-1), binary data,
unbalanced braces, a file too large or too slow to parse each become a
``Diagnostic`` with the file and line, and the facts found so far are kept.
"""

from __future__ import annotations

import re
import time
from collections import Counter

import tree_sitter_c
from tree_sitter import Language, Parser

from kgclint.c.directives import LARGE_FILE, scan_directives
from kgclint.c.facts import CFacts, pack_definitions, pack_references
from kgclint.c.hollow import hollowed
from kgclint.c.items import KEYWORDS, asm_pieces, definitions, kept_items, raw_items
from kgclint.findings import Diagnostic
from kgclint.inputs import SourceInput
from kgclint.location import Location

#: Files above this size are read for preprocessor lines only.
MAX_PARSE = 8 * 1024 * 1024
#: Wall-clock bound for tree-sitter on one file; past it the rest of the file is not parsed.
PARSE_SECONDS = 10.0
_CHUNK = 256 * 1024
#: Bytes mapped to themselves when they may be part of an identifier (ASCII letters, digits, ``_``, ``$``),
#: to a space otherwise: splitting the translated text gives every word at C speed.
_WORD_BYTES = bytes(b if chr(b).isascii() and (chr(b).isalnum() or chr(b) in "_$") else 0x20 for b in range(256))
_DIGITS = frozenset(b"0123456789")
_CODE_LINE = re.compile(rb"^[ \t]*[A-Za-z_]", re.M)

_PARSER: Parser | None = None


def _parser() -> Parser:
    global _PARSER
    if _PARSER is None:
        _PARSER = Parser(Language(tree_sitter_c.language()))
    return _PARSER


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def parse(source: SourceInput) -> CFacts:
    """The facts of one C file (see ``kgclint.c.facts.CFacts``)."""
    data = source.data
    path = source.path
    diagnostics: list[Diagnostic] = []

    def complain(line: int, message: str) -> None:
        diagnostics.append(Diagnostic(Location(path, line), message))

    if b"\0" in data[:65536]:
        complain(_line_of(data, data.index(b"\0")), "binary data (NUL byte), not C source: skipped")
        return CFacts(path=path, diagnostics=tuple(diagnostics))
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        complain(_line_of(data, exc.start), f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); read as Latin-1")
    text = data.decode("latin-1")

    directives = scan_directives(data, path)
    for line, message in directives.problems:
        complain(line, message)

    items = []
    asm = []
    found: list[tuple[str, str, str, int, int]] = []
    defined: Counter[str] = Counter()
    if len(data) > LARGE_FILE and not _CODE_LINE.search(data):
        pass  # preprocessor lines and comments only (register maps): nothing for tree-sitter
    elif len(data) > MAX_PARSE:
        complain(1, f"file of {len(data)} bytes is above the {MAX_PARSE}-byte parse limit; "
                    "only its preprocessor lines were read")
    else:
        cut = _unterminated_comment(data)
        if cut >= 0:
            # tree-sitter's error recovery rescans an unterminated comment from every opener: cut it off
            complain(_line_of(data, cut), "comment is never closed; the rest of the file was not read")
            data = data[:cut]
        root, stopped_at = _parse_bounded(hollowed(data))
        if stopped_at is not None:
            complain(_line_of(data, stopped_at), f"parsing stopped after {PARSE_SECONDS:g} s; "
                                                 "the rest of the file was not read")
        raws, problems = raw_items(root)
        if problems and not _braces_balanced(data):
            line, message = problems[0]
            complain(line, message)
        items = kept_items(text, raws)
        seen: set[tuple[str, str]] = set()
        for raw in raws:
            for name, kind, storage in definitions(text[raw.start:raw.head_end], raw.kind):
                if (name, kind) in seen:
                    continue
                seen.add((name, kind))
                defined[name] += 1
                found.append((name, kind, storage, raw.point[0] + 1, raw.point[1] + 1))
        asm = asm_pieces(text, data, raws)

    counts = _identifier_counts(source.data)
    references = set(counts)
    references -= KEYWORDS
    for name, times in defined.items():
        if counts.get(name, 0) <= times:
            references.discard(name)
    return CFacts(
        path=path,
        diagnostics=tuple(diagnostics),
        defines=tuple(directives.defines),
        undefs=tuple(directives.undefs),
        includes=tuple(directives.includes),
        items=tuple(items),
        asm=tuple(asm),
        packed_definitions=pack_definitions(found),
        packed_references=pack_references(references),
    )


def _identifier_counts(data: bytes) -> dict[str, int]:
    """How often each identifier occurs in ``data``; a word led by a digit is a number (``0x1F``, ``1UL``), not one."""
    return {
        word.decode("latin-1"): times
        for word, times in Counter(data.translate(_WORD_BYTES).split()).items()
        if word[0] not in _DIGITS
    }


#: A string or character literal on one line (with re.S, inside _NOISE, a spliced one too).
_LITERAL = re.compile(rb'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')
_NOISE = re.compile(rb"/\*.*?(?:\*/|\Z)|//[^\n]*|" + _LITERAL.pattern, re.S)
_CONDITIONAL = re.compile(rb"^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b", re.M)


def _braces_balanced(data: bytes) -> bool:
    """Whether ``{`` and ``}`` pair up in the first branch of every ``#if``.

    tree-sitter reports brace trouble in kernel files that balance braces
    across ``#if``/``#else`` branches on purpose; counting the braces of one
    consistent configuration (every first branch) tells those from a file
    that is really broken.
    """
    text = _NOISE.sub(b" ", data)
    opens = closes = 0
    counted: list[bool] = []    # per open #if: whether its current branch is counted
    taken: list[bool] = []      # per open #if: whether a branch was counted already
    pos = 0
    for match in _CONDITIONAL.finditer(text):
        if all(counted):
            chunk = text[pos:match.start()]
            opens += chunk.count(b"{")
            closes += chunk.count(b"}")
        pos = match.end()
        word = match.group(1)
        if word in (b"if", b"ifdef", b"ifndef"):
            rest = text[pos:text.find(b"\n", pos)].strip()
            dead = word == b"if" and rest[:1] == b"0"
            counted.append(not dead)
            taken.append(not dead)
        elif word in (b"elif", b"else") and counted:
            counted[-1] = not taken[-1]
            taken[-1] = True
        elif word == b"endif" and counted:
            counted.pop()
            taken.pop()
    if all(counted):
        opens += text.count(b"{", pos)
        closes += text.count(b"}", pos)
    return opens == closes


def _unterminated_comment(data: bytes) -> int:
    """Offset of a ``/*`` that no ``*/`` follows and that is not inside a string or a ``//`` comment, or -1.

    The ``/`` of the opener counts as part of what comes before it: in a
    ``//****`` banner line the ``/*`` is inside the line comment.
    """
    close = data.rfind(b"*/")
    at = data.find(b"/*", close + 2 if close >= 0 else 0)
    while at >= 0:
        line_start = data.rfind(b"\n", 0, at) + 1
        before = _LITERAL.sub(b"", data[line_start:at + 1])
        if b'"' not in before and b"//" not in before:
            return at
        at = data.find(b"/*", at + 2)
    return -1


def _parse_bounded(data: bytes):
    """Parse ``data``, feeding it in chunks and stopping at the time bound; (root, offset stopped at)."""
    deadline = time.monotonic() + PARSE_SECONDS
    stopped: list[int] = []

    def read(offset: int, _point: object) -> bytes:
        if offset >= len(data):
            return b""
        if time.monotonic() > deadline:
            if not stopped:
                stopped.append(offset)
            return b""
        return data[offset:offset + _CHUNK]

    tree = _parser().parse(read)
    return tree.root_node, (stopped[0] if stopped else None)
