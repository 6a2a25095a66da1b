"""A C token scanner and the string-literal helpers cpp semantics need.

Only small pieces of text are tokenized in Python (macro bodies, the heads
of file-scope declarations, asm templates); tree-sitter walks the rest.
Tokens carry what the expander needs: whether white space precedes them
(for ``#`` stringizing), the macros they may no longer expand (the hide
set of Prosser's algorithm), and the chain of macros they came through.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r"""
    (?P<ws>(?:[ \t\r\n\f\v]+|/\*.*?(?:\*/|\Z)|//[^\n]*|\\\n)+)
  | (?P<str>(?:u8|[LuU])?"(?:[^"\\\n]|\\.)*(?:"|$))
  | (?P<chr>(?:u8|[LuU])?'(?:[^'\\\n]|\\.)*(?:'|$))
  | (?P<id>[A-Za-z_$][\w$]*)
  | (?P<num>\.?[0-9](?:[eEpP][+-]|[\w.])*)
  | (?P<punct>\.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^]=|\#\#|[][(){};,.<>=+\-*/%&|^!~?:\#@\\])
  | (?P<other>.)
    """,
    re.S | re.X | re.M,
)

ID = "id"
NUM = "num"
STR = "str"
CHR = "chr"
PUNCT = "punct"
OTHER = "other"


class Token:
    """One preprocessing token.

    ``space`` is True when white space preceded it; ``hs`` is the hide set
    (macro names that must not expand this token again); ``chain`` the
    macros it came through, outermost first; ``offset`` its position in the
    text it was scanned from (-1 for tokens made by expansion).
    """

    __slots__ = ("kind", "text", "space", "hs", "chain", "offset")

    def __init__(
        self,
        kind: str,
        text: str,
        space: bool = False,
        hs: frozenset[str] = frozenset(),
        chain: tuple[str, ...] = (),
        offset: int = -1,
    ) -> None:
        self.kind = kind
        self.text = text
        self.space = space
        self.hs = hs
        self.chain = chain
        self.offset = offset

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.text!r})"

    def copy(self, *, space: bool | None = None, hs: frozenset[str] | None = None,
             chain: tuple[str, ...] | None = None) -> Token:
        return Token(
            self.kind,
            self.text,
            self.space if space is None else space,
            self.hs if hs is None else hs,
            self.chain if chain is None else chain,
            self.offset,
        )


def tokenize(text: str, *, limit: int | None = None) -> list[Token]:
    """The tokens of ``text`` (comments and line continuations dropped), at most ``limit`` of them."""
    out: list[Token] = []
    space = False
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "ws":
            space = True
            continue
        out.append(Token(kind, match.group(), space, offset=match.start()))
        space = False
        if limit is not None and len(out) >= limit:
            break
    return out


def spell(tokens: list[Token]) -> str:
    """Tokens back to text, with one space where white space was."""
    parts: list[str] = []
    for i, tok in enumerate(tokens):
        if i and tok.space:
            parts.append(" ")
        parts.append(tok.text)
    return "".join(parts)


def stringize(tokens: list[Token]) -> str:
    """The ``#param`` operator: a string literal spelling the argument's tokens."""
    parts: list[str] = []
    for i, tok in enumerate(tokens):
        if i and tok.space:
            parts.append(" ")
        text = tok.text
        if tok.kind in (STR, CHR):
            text = text.replace("\\", "\\\\").replace('"', '\\"')
        parts.append(text)
    return '"' + "".join(parts) + '"'


_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]+)|(.))", re.S)
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v", "e": "\x1b"}


def _unescape(match: re.Match[str]) -> str:
    octal, hexa, other = match.groups()
    if octal is not None:
        return chr(int(octal, 8) & 0xFF)
    if hexa is not None:
        return chr(int(hexa, 16) & 0xFF)
    return _SIMPLE.get(other, other)


def string_value(literal: str) -> str:
    """The characters a string literal stands for (prefix dropped, escapes decoded)."""
    start = literal.find('"')
    body = literal[start + 1:]
    if body.endswith('"'):
        body = body[:-1]
    if "\\" not in body:
        return body
    return _ESCAPE.sub(_unescape, body)


def is_identifier(text: str) -> bool:
    """Whether ``text`` spells one identifier."""
    return bool(text) and (text[0].isalpha() or text[0] in "_$") and all(c.isalnum() or c in "_$" for c in text)


def relex(text: str) -> Token | None:
    """The single token ``text`` spells after ``##`` pasting, or None when it is not one token."""
    toks = tokenize(text, limit=2)
    if len(toks) == 1 and toks[0].text == text:
        return toks[0]
    return None
