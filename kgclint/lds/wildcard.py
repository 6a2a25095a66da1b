"""ld's wildcard patterns for file and section names.

GNU ld matches with ``fnmatch(pattern, name, 0)``: ``*`` matches any run of
characters *including* ``/`` (no FNM_PATHNAME), ``?`` one character,
``[...]`` a class with ranges, negated by ``!`` or ``^``, and ``\\`` quotes
the next character. Python's ``fnmatch`` differs (it treats ``[^`` as a
literal caret and normalises case on some systems), so patterns are
translated here, once, and cached.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

_WILD = frozenset("*?[")


def is_wildcard(pattern: str) -> bool:
    """Whether the pattern has a wildcard character (ld treats a plain name as a literal)."""
    return any(ch in _WILD for ch in pattern)


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """The regular expression equivalent to an ld wildcard pattern."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        i += 1
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch == "\\" and i < n:
            out.append(re.escape(pattern[i]))
            i += 1
        elif ch == "[":
            j = i
            if j < n and pattern[j] in "!^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 1
            if j >= n:
                out.append(re.escape("["))
                continue
            body = pattern[i:j]
            i = j + 1
            negate = body[:1] in ("!", "^")
            if negate:
                body = body[1:]
            body = body.replace("\\", "\\\\").replace("^", "\\^").replace("[", "\\[")
            out.append(f"[{'^' if negate else ''}{body}]")
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out) + r"\Z", re.S)


@lru_cache(maxsize=4096)
def _matcher(pattern: str) -> Callable[[str], bool]:
    """A test for one pattern, made once: rules ask the same few hundred patterns about every section."""
    if not is_wildcard(pattern) and "\\" not in pattern:
        return pattern.__eq__
    regex = compile_pattern(pattern)
    return lambda name: regex.match(name) is not None


def matches(pattern: str, name: str) -> bool:
    """Whether ld's ``pattern`` matches ``name``."""
    return _matcher(pattern)(name)


def file_matches(pattern: str, file: str) -> bool:
    """Whether a file-name pattern matches an input file.

    ``file`` is an object path (``kernel/fork.o``) or ``archive:member``.
    ld's ``archive:member`` patterns match members of archives; ``archive:``
    the whole archive; ``:member`` a file outside any archive. A pattern
    without ``:`` is matched against the object's path (the member name
    for an archive member).
    """
    archive, sep, member = file.rpartition(":") if ":" in file else ("", "", file)
    in_archive = bool(sep)
    if ":" not in pattern:
        return matches(pattern, member if in_archive else file)
    p_archive, _, p_member = pattern.partition(":")
    if not p_archive:
        return not in_archive and matches(p_member or "*", file)
    return in_archive and matches(p_archive, archive) and matches(p_member or "*", member)


#: The literal head of a pattern that names gcc's -ffunction-sections/-fdata-sections namespace:
#: ".text.", ".text.unlikely.", ".data.", ".data.rel.ro.", ".rodata.", ".bss.", ".sdata."…
COMPILER_HEAD = re.compile(r"\.(text|data|rodata|bss|sdata|sbss|srodata|tdata|tbss)(\.[a-z]+)*\.\Z")


def literal_head(pattern: str) -> str:
    """The part of a wildcard pattern before its first wildcard character."""
    return re.split(r"[*?\[]", pattern, maxsplit=1)[0]


def compiler_wildcard(pattern: str) -> bool:
    """A wildcard over the compiler's own section names (``.text.*``, ``.data.rel.ro.*``), not a custom one."""
    return is_wildcard(pattern) and COMPILER_HEAD.match(literal_head(pattern)) is not None
