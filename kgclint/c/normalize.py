"""Placeholders for plain identifiers, so one expansion serves every item of the same shape.

``EXPORT_SYMBOL(foo)`` and ``EXPORT_SYMBOL(bar)`` expand alike except for
the name; so do ``static int __init f(void)`` and ``static int __init
g(void)``. Identifiers that are not macros never expand, so replacing
them by placeholders before expansion and putting them back afterwards
(in pasted identifiers and stringized literals too, since a placeholder
is itself an identifier) gives the same result at a fraction of the cost.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kgclint.c.items import KEYWORDS
from kgclint.c.tokens import ID, Token

_PLACEHOLDER = re.compile(r"_kgcP(\d+)_")
MARK = "_kgcP"
#: Words the declaration reader interprets (attribute names, asm and assertion keywords) keep their spelling.
_MEANINGFUL = frozenset((
    "__COUNTER__", "__LINE__", "__FILE__", "section", "__section__", "used", "__used__", "unused", "__unused__",
    "retain", "__retain__", "asm", "__asm__", "__asm", "__attribute__", "__attribute", "goto", "static_assert",
    "_Static_assert", "__extension__",
))


def normalize(tokens: list[Token], is_macro: Callable[[str], bool]) -> tuple[str, list[Token], list[str]]:
    """(cache key, tokens with placeholders, the names the placeholders stand for)."""
    names: list[str] = []
    index: dict[str, int] = {}
    out: list[Token] = []
    parts: list[str] = []
    for tok in tokens:
        text = tok.text
        if tok.kind == ID and text not in KEYWORDS and text not in _MEANINGFUL and not is_macro(text):
            k = index.get(text)
            if k is None:
                k = index[text] = len(names)
                names.append(text)
            tok = Token(ID, f"{MARK}{k}_", tok.space, offset=tok.offset)
        out.append(tok)
        if tok.space and parts:
            parts.append(" ")
        parts.append(tok.text)
    return "".join(parts), out, names


def restore(text: str, names: list[str]) -> str:
    """``text`` with every placeholder replaced by the name it stands for."""
    if MARK not in text:
        return text
    return _PLACEHOLDER.sub(lambda m: names[int(m.group(1))] if int(m.group(1)) < len(names) else m.group(), text)
