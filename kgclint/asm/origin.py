"""Report an inline-asm problem where it is written: at the statement, or once at the macro that writes it.

``EXPORT_SYMBOL`` in Linux 6.12 is a file-scope ``asm()`` written by a
macro, used thousands of times; a problem in its text is one problem, in
the header that defines it, not one per use. Statements spelled in a file
(even with macro pieces inside) are reported where they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from kgclint.findings import Fix, Severity
from kgclint.location import Location, Related
from kgclint.placement import MacroUse

#: Use sites named as related locations of a finding reported at a macro.
MAX_USES_SHOWN = 3
#: Continuation lines read of one macro definition.
MAX_DEFINITION_LINES = 200
_ASM_KEYWORD = re.compile(r"\b(?:asm|__asm__|__asm)\b")


class MacroText:
    """The text of a macro definition, read from the tree (continuation lines joined), memoised."""

    def __init__(self, read: Callable[[str], bytes]) -> None:
        self._read = read
        self._files: dict[str, list[str] | None] = {}

    def __call__(self, use: MacroUse) -> str:
        path = use.defined_at.path
        if path not in self._files:
            try:
                self._files[path] = self._read(path).decode("utf-8", "replace").split("\n")
            except OSError:
                self._files[path] = None
        lines = self._files[path]
        number = use.defined_at.line
        if not lines or not 1 <= number <= len(lines):
            return ""
        out = [lines[number - 1]]
        while out[-1].endswith("\\") and number < len(lines) and len(out) < MAX_DEFINITION_LINES:
            out.append(lines[number])
            number += 1
        return "\n".join(out)


def writer(macros: tuple[MacroUse, ...], text: Callable[[MacroUse], str]) -> MacroUse:
    """The macro that writes the asm statement: the innermost whose body holds ``asm``, else the outermost."""
    for use in reversed(macros):
        if _ASM_KEYWORD.search(text(use)):
            return use
    return macros[0]


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in one statement: where the statement is, the macros that wrote it, what is wrong."""

    location: Location
    macros: tuple[MacroUse, ...]
    message: str
    severity: Severity
    fix: Fix | None = None


@dataclass(frozen=True, slots=True)
class Report:
    """What to report: location, message, severity, fix and related locations."""

    location: Location
    message: str
    severity: Severity
    fix: Fix | None = None
    related: tuple[Related, ...] = field(default=())


def collapse(problems: Iterable[Problem], text: Callable[[MacroUse], str]) -> Iterator[Report]:
    """Problems of statements spelled in a file as they are; macro-written ones once per writer and severity.

    ``text`` gives a macro's definition text (``MacroText``), to find the
    macro whose body holds the ``asm`` statement.
    """
    by_macro: dict[tuple[Location, str, Severity], list[Problem]] = {}
    for problem in problems:
        if not problem.macros:
            yield Report(problem.location, problem.message, problem.severity, problem.fix)
            continue
        use = writer(problem.macros, text)
        by_macro.setdefault((use.defined_at, use.name, problem.severity), []).append(problem)
    for (defined_at, name, severity), group in sorted(by_macro.items(), key=lambda item: item[0][:2]):
        uses = sorted({p.location for p in group})
        related = tuple(Related(use, f"{name} used here") for use in uses[:MAX_USES_SHOWN])
        count = f"{len(uses)} use{'s' if len(uses) != 1 else ''}"
        message = min(p.message for p in group)
        yield Report(defined_at, f"{message} (written by macro {name}; {count})", severity, None, related)
