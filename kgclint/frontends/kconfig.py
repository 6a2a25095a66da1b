"""The ``.config`` front-end: which CONFIG_ symbols a build has, and their values.

Kbuild makefiles test ``CONFIG_`` variables (``obj-$(CONFIG_X)``,
``ifdef CONFIG_X``); make sees them because ``include/config/auto.conf`` is
included, and that file is ``.config`` minus the ``n`` and unset lines. This
front-end reads ``.config`` the same way: ``CONFIG_X=y``/``m``/``"str"``/
number set a value, ``CONFIG_X=n`` and ``# CONFIG_X is not set`` leave it
unset. Pure: bytes in, facts out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kgclint.findings import Diagnostic
from kgclint.inputs import SourceInput
from kgclint.location import Location

_SET = re.compile(r"^(CONFIG_[A-Za-z0-9_]+)=(.*)$")
_UNSET = re.compile(r"^# (CONFIG_[A-Za-z0-9_]+) is not set$")
#: A .config of any real kernel has fewer than 20,000 lines; bound the work on junk input.
MAX_LINES = 200_000


@dataclass(frozen=True, slots=True)
class ConfigFacts:
    """A configuration: symbol -> value as make sees it (quotes kept, as auto.conf keeps them).

    ``unset`` holds the symbols the file names as off (``=n`` or ``is not
    set``); a symbol in neither is simply absent, which make treats the same.
    """

    path: str
    values: tuple[tuple[str, str], ...]
    unset: frozenset[str]
    diagnostics: tuple[Diagnostic, ...] = ()

    def as_dict(self) -> dict[str, str]:
        """The set symbols and their values."""
        return dict(self.values)


def parse(source: SourceInput) -> ConfigFacts:
    """Read one ``.config``; lines that are neither settings nor comments become diagnostics."""
    values: dict[str, str] = {}
    unset: set[str] = set()
    diagnostics: list[Diagnostic] = []
    text = source.data.decode("utf-8", errors="replace")
    if "\0" in text:
        return ConfigFacts(source.path, (), frozenset(),
                           (Diagnostic(Location(source.path, 1), "binary data, not a .config"),))
    for number, raw in enumerate(text.splitlines(), start=1):
        if number > MAX_LINES:
            diagnostics.append(Diagnostic(Location(source.path, number),
                                          f"more than {MAX_LINES} lines; the rest is not read"))
            break
        line = raw.strip()
        if not line:
            continue
        if match := _UNSET.match(line):
            unset.add(match.group(1))
            values.pop(match.group(1), None)
            continue
        if line.startswith("#"):
            continue
        if match := _SET.match(line):
            name, value = match.groups()
            if value == "n":
                unset.add(name)
                values.pop(name, None)
            else:
                values[name] = value
                unset.discard(name)
            continue
        diagnostics.append(Diagnostic(Location(source.path, number),
                                      f"not a .config line: {line[:60]!r}"))
    return ConfigFacts(source.path, tuple(sorted(values.items())), frozenset(unset), tuple(diagnostics))
