"""Which macro produced a piece of a preprocessed linker script, and where to edit it.

cpp collapses a macro expansion onto the line of its *use*, so a line marker
says ``arch/arm/kernel/vmlinux.lds.S:120`` for every pattern that
``INIT_DATA_SECTION(16)`` expands to. To point a person at the line they
must edit, kgclint reads the ``#define`` bodies of the headers the script
included (the files named by its line markers) and searches, starting from
the macros named on the use line and following the macros their bodies
name, for the body line whose text produces the pattern: literally, or with
the macro's parameters standing for anything (``.initcall##level##.init``).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from kgclint.location import Location

_DEFINE = re.compile(r"\s*#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)(\(([^)]*)\))?(.*)$")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: How many macros deep the search follows bodies.
MAX_MACRO_DEPTH = 12


@dataclass(frozen=True, slots=True)
class MacroDef:
    """A ``#define``: name, parameters, and its body lines with their line numbers."""

    name: str
    params: tuple[str, ...]
    path: str
    line: int
    body: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a script node's text comes from.

    ``location`` is the line holding the text (a macro body line, or the use
    line itself); ``macro``/``defined_at`` the innermost macro whose body has
    it, ``used_at`` the script line that uses the outermost macro. ``span``
    is (path, start byte, end byte) of the text when it is there verbatim,
    so a fix can edit it.
    """

    location: Location
    used_at: Location
    macro: str | None = None
    defined_at: Location | None = None
    chain: tuple[str, ...] = ()
    span: tuple[str, int, int] | None = None

    def describe(self) -> str:
        if self.macro is None or self.defined_at is None:
            return f"at {self.used_at}"
        return f"in macro {self.macro}, defined at {self.defined_at}, used at {self.used_at}"


def _norm(text: str) -> str:
    return " ".join(text.split())


def read_defines(path: str, text: str) -> dict[str, MacroDef]:
    """Every ``#define`` of one file (the last one wins, as a reader of all branches would see)."""
    found: dict[str, MacroDef] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = _DEFINE.match(lines[i])
        if not m:
            i += 1
            continue
        start = i
        # the first body line keeps its columns: the "#define NAME(...)" head becomes blanks
        body: list[tuple[int, str]] = [(i + 1, " " * m.start(4) + m.group(4))]
        while lines[i].rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            body.append((i + 1, lines[i]))
        params = tuple(p.strip() for p in (m.group(3) or "").split(",") if p.strip())
        cleaned = tuple((n, t.rstrip().rstrip("\\")) for n, t in body)
        found[m.group(1)] = MacroDef(m.group(1), params, path, start + 1, cleaned)
        i += 1
    return found


class MacroTable:
    """The macros of a set of files, and the search from a use line to the body line of a text."""

    def __init__(self, read: Callable[[str], str | None], files: tuple[str, ...]) -> None:
        self._read = read
        self.macros: dict[str, MacroDef] = {}
        self._lines: dict[str, list[str] | None] = {}
        for path in files:
            text = read(path)
            if text is not None:
                self.macros.update(read_defines(path, text))
        self._regex: dict[tuple[str, int], re.Pattern[str] | None] = {}

    def lines(self, path: str) -> list[str] | None:
        if path not in self._lines:
            text = self._read(path)
            self._lines[path] = None if text is None else text.split("\n")
        return self._lines[path]

    def origin(self, text: str, used_at: Location, first_pattern: str = "") -> Origin:
        """Where ``text`` (found by cpp on line ``used_at``) is written."""
        lines = self.lines(used_at.path)
        if lines is None or not (0 < used_at.line <= len(lines)):
            return Origin(used_at, used_at)
        line = lines[used_at.line - 1]
        span = _find(line, text)
        if span is not None:
            return Origin(
                Location(used_at.path, used_at.line, span[0] + 1), used_at,
                span=(used_at.path, _byte(lines, used_at.line, span[0]), _byte(lines, used_at.line, span[1])),
            )
        return self._search(text, used_at, line, first_pattern)

    def _search(self, text: str, used_at: Location, line: str, first_pattern: str) -> Origin:
        queue: deque[tuple[str, tuple[str, ...]]] = deque()
        seen: set[str] = set()
        for name in _IDENT.findall(line):
            if name in self.macros and name not in seen:
                seen.add(name)
                queue.append((name, (name,)))
        weak: Origin | None = None
        while queue:
            name, chain = queue.popleft()
            macro = self.macros[name]
            for number, body_line in macro.body:
                hit = _find(body_line, text)
                if hit is None and self._param_match(macro, number, body_line, text):
                    hit = _template_span(body_line, macro.params, text)
                    if hit is None:
                        location = Location(macro.path, number, 0)
                        return Origin(location, used_at, name, location, chain)
                if hit is not None:
                    location = Location(macro.path, number, (hit[0] + 1) if hit else 0)
                    span = None
                    if hit is not None:
                        lines = self.lines(macro.path) or []
                        span = (macro.path, _byte(lines, number, hit[0]), _byte(lines, number, hit[1]))
                    return Origin(location, used_at, name, location, chain, span)
                if weak is None and first_pattern and _word_in(first_pattern, body_line):
                    weak = Origin(Location(macro.path, number, 0), used_at, name,
                                  Location(macro.path, number, 0), chain)
            if len(chain) < MAX_MACRO_DEPTH:
                for _, body_line in macro.body:
                    for inner in _IDENT.findall(body_line):
                        if inner in self.macros and inner not in seen:
                            seen.add(inner)
                            queue.append((inner, (*chain, inner)))
        return weak or Origin(used_at, used_at)

    def _param_match(self, macro: MacroDef, number: int, body_line: str, text: str) -> bool:
        if not macro.params or "##" not in body_line and not any(p in body_line for p in macro.params):
            return False
        key = (macro.name, number)
        if key not in self._regex:
            self._regex[key] = _param_regex(body_line, macro.params)
        regex = self._regex[key]
        return regex is not None and regex.fullmatch(_norm(text)) is not None


def _param_regex(body_line: str, params: tuple[str, ...]) -> re.Pattern[str] | None:
    parts: list[str] = []
    body = _norm(re.sub(r"/\*.*?\*/", " ", body_line).replace("##", ""))
    pos = 0
    for m in _IDENT.finditer(body):
        if m.group() in params:
            parts.append(re.escape(body[pos:m.start()]))
            parts.append(r".+?")
            pos = m.end()
    parts.append(re.escape(body[pos:]))
    pattern = "".join(parts).replace(r"\ ", r"\s*")
    if pattern.count(".+?") == 0:
        return None
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _template_span(body_line: str, params: tuple[str, ...], text: str) -> tuple[int, int] | None:
    """The span of a body line whose whole content, with parameters substituted, is ``text``."""
    blanked = re.sub(r"/\*.*?\*/", lambda m: " " * len(m.group()), body_line).rstrip().rstrip("\\").rstrip()
    content = blanked.strip()
    if not content:
        return None
    regex = _param_regex(content, params)
    if regex is None or regex.fullmatch(_norm(text)) is None:
        return None
    start = len(blanked) - len(blanked.lstrip())
    return start, start + len(content)


def _find(line: str, text: str) -> tuple[int, int] | None:
    """Character span of ``text`` in ``line``, allowing any white space where ``text`` has some."""
    index = line.find(text)
    if index >= 0:
        return index, index + len(text)
    words = text.split()
    if not words:
        return None
    pattern = r"\s*".join(re.escape(w) for w in words)
    m = re.search(pattern, line)
    return (m.start(), m.end()) if m else None


def _word_in(word: str, line: str) -> bool:
    return re.search(r"(?<![\w.])" + re.escape(word) + r"(?![\w.])", line) is not None


def _byte(lines: list[str], line: int, column: int) -> int:
    """Byte offset in the file of character ``column`` (0-based) of 1-based ``line``."""
    before = sum(len(x.encode()) + 1 for x in lines[: line - 1])
    return before + len(lines[line - 1][:column].encode())
