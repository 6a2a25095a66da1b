"""Inline suppressions: ``kgclint: ignore[KGC101,KGC201] reason`` in a comment.

A suppression applies to findings on its own line and on the line after it
(so it can stand above the code it excuses). It must sit in a comment of the
file's language: after ``/*``, ``//``, ``#``, ``@``, ``;`` or ``!``, or on a
continuation line of a block comment (`` * kgclint: ...``). The engine
extracts them in the same per-file pass as the front-end, and reports the
ones that suppress nothing (KGC002).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MARKER = re.compile(rb"kgclint:\s*ignore\[([A-Za-z0-9_,\s]*)\]")
COMMENT_OPENERS = (b"/*", b"//", b"#", b"@", b";", b"!")
CODE = re.compile(r"^KGC[0-9]{3}$")


@dataclass(frozen=True, slots=True)
class Suppression:
    """Codes switched off on ``line`` and ``line + 1`` of one file."""

    line: int
    column: int
    codes: tuple[str, ...]


def extract(data: bytes) -> tuple[Suppression, ...]:
    """Every suppression comment in a file's bytes, in one linear pass."""
    if b"kgclint:" not in data:
        return ()
    found: list[Suppression] = []
    line, counted_to = 1, 0
    for match in MARKER.finditer(data):
        start = match.start()
        line += data.count(b"\n", counted_to, start)
        counted_to = start
        line_start = data.rfind(b"\n", 0, start) + 1
        if not _in_comment(data[line_start:start]):
            continue
        codes = tuple(
            code for part in match.group(1).decode("ascii", "replace").split(",")
            if CODE.match(code := part.strip().upper())
        )
        if codes:
            found.append(Suppression(line, start - line_start + 1, codes))
    return tuple(found)


def _in_comment(before: bytes) -> bool:
    stripped = before.lstrip()
    if stripped.startswith(b"*"):
        return True
    return any(opener in before for opener in COMMENT_OPENERS)
