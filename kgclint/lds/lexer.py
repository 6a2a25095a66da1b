"""The tokens of the ld script language, which depend on where the parser is.

GNU ld's lexer (``ld/ldlex.l``) has states: in an *expression* a name is
``[_a-zA-Z.$~][_a-zA-Z0-9.$~/\\]*`` and ``-`` is an operator; in *script*
context (commands, output-section names) ``-`` and ``+`` are name characters;
inside an input-section description (*wild*) the wildcard characters
``*?[]^!`` and ``:`` (``archive:member``) are too. The same text lexes
differently in each, so this scanner is stateless: ``token(pos, mode)``
reads one token at ``pos`` in the mode the parser asks for.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from enum import Enum


class Mode(Enum):
    """Which of ld's lexer states to read a token in."""

    EXPR = "expr"
    SCRIPT = "script"
    WILD = "wild"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: ``kind`` is ``name``, ``number``, ``string``, ``punct`` or ``eof``."""

    kind: str
    text: str
    start: int
    end: int


_NAME = {
    Mode.EXPR: re.compile(r"[A-Za-z_.$][A-Za-z0-9_.$~/\\]*"),
    Mode.SCRIPT: re.compile(r"[A-Za-z_.$~/\\][A-Za-z0-9_.$~/\\+\-\[\]:]*"),
    Mode.WILD: re.compile(r"[A-Za-z0-9_.$~/\\+\-:\[\]*?^!]+"),
}
_NUMBER = re.compile(r"\$[0-9A-Fa-f]+|0[xX][0-9A-Fa-f]+[KkMm]?|[0-9][0-9A-Fa-f]*[hHoObBdD]?[KkMm]?")
_PUNCT = (
    "<<=", ">>=", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||",
    "+=", "-=", "*=", "/=", "&=", "|=", "^=",
    "{", "}", "(", ")", ";", ",", ":", "=", "+", "-", "*", "/", "%",
    "<", ">", "&", "|", "^", "!", "~", "?",
)
#: Longest operators first, so ``<<=`` is not read as ``<<`` and ``=``.
_PUNCT_RE = re.compile("|".join(re.escape(p) for p in _PUNCT))
#: White space and comments: ``/* */``, and ``#`` to the end of the line, which GNU ld and lld both skip
#: anywhere outside a string (tests/test_lds_parser.py proves it with both).
_SPACE = re.compile(r"(?:\s+|/\*.*?\*/|#[^\n]*)+", re.S)


class LexError(ValueError):
    """A character no token starts with, or an unterminated comment or string."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


class Scanner:
    """Tokens of one script text, read on demand in a given mode."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a byte offset of the text."""
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

    def skip_space(self, pos: int) -> int:
        """The first offset at or after ``pos`` that is not white space or a comment."""
        text = self.text
        while True:
            m = _SPACE.match(text, pos)
            if m:
                pos = m.end()
            if text.startswith("/*", pos):
                raise LexError("unterminated comment", pos)
            return pos

    def token(self, pos: int, mode: Mode) -> Token:
        """The token starting at or after ``pos`` in ``mode``."""
        text = self.text
        pos = self.skip_space(pos)
        if pos >= len(text):
            return Token("eof", "", pos, pos)
        ch = text[pos]
        if ch == '"':
            close = text.find('"', pos + 1)
            if close < 0:
                raise LexError("unterminated string", pos)
            return Token("string", text[pos + 1 : close], pos, close + 1)
        if mode is Mode.EXPR and text.startswith("/DISCARD/", pos):
            return Token("name", "/DISCARD/", pos, pos + 9)
        if (mode is not Mode.WILD and "0" <= ch <= "9") or (mode is Mode.EXPR and ch == "$"):
            # ASCII digits only: str.isdigit() also says yes to '²' and '٣', which no number starts with
            m = _NUMBER.match(text, pos)
            if m:
                return Token("number", m.group(), pos, m.end())
        m = _NAME[mode].match(text, pos)
        if m and not (mode is Mode.SCRIPT and ch == "/" and not text.startswith("/DISCARD/", pos)):
            if not (mode is Mode.WILD and m.group() in ("!", "^", "-", "+", ":")):
                return Token("name", m.group(), pos, m.end())
        p = _PUNCT_RE.match(text, pos)
        if p:
            return Token("punct", p.group(), pos, p.end())
        raise LexError(f"unexpected character {ch!r}", pos)


def parse_number(text: str) -> int:
    """The value of an ld integer literal: hex/octal/decimal, ``$hex``, ``h``/``o``/``b``/``d`` and ``K``/``M`` suffixes."""
    scale = 1
    if text[-1] in "Kk":
        scale, text = 1024, text[:-1]
    elif text[-1] in "Mm":
        scale, text = 1024 * 1024, text[:-1]
    if text.startswith("$"):
        return int(text[1:], 16) * scale
    lower = text.lower()
    if lower.startswith("0x"):
        return int(lower, 16) * scale
    base_by_suffix = {"h": 16, "o": 8, "b": 2, "d": 10}
    if lower[-1] in base_by_suffix and not lower.startswith("0x"):
        return int(lower[:-1], base_by_suffix[lower[-1]]) * scale
    if lower.startswith("0") and len(lower) > 1:
        return int(lower, 8) * scale
    return int(lower, 10) * scale
