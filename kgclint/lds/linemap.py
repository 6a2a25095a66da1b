"""Mapping preprocessed script lines back to the files and lines a person edits.

``cpp`` without ``-P`` writes line markers (``# 12 "include/asm-generic/vmlinux.lds.h" 1``).
``strip_markers`` blanks those lines (so preprocessed line numbers stay
valid for the parser) and records, per run of lines, which file and line
they came from. A macro expansion is collapsed by cpp onto the line of its
*use*; ``kgclint.lds.macros`` finds the macro body the text came from.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass

from kgclint.location import Location

_MARKER = re.compile(r'#\s*(?:line\s+)?(\d+)\s+"((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True, slots=True)
class LineMap:
    """Preprocessed line → (file, line): segments starting at ``starts[i]`` come from ``paths[i]`` at ``lines[i]``."""

    starts: tuple[int, ...]
    paths: tuple[str, ...]
    lines: tuple[int, ...]

    def origin(self, line: int) -> tuple[str, int]:
        """The file and line a preprocessed line came from."""
        i = bisect.bisect_right(self.starts, line) - 1
        if i < 0:
            return self.paths[0] if self.paths else "", line
        return self.paths[i], self.lines[i] + (line - self.starts[i])

    def __call__(self, line: int, column: int) -> Location:
        path, original = self.origin(line)
        return Location(path, original, 0)


def strip_markers(text: str, normalize: Callable[[str], str], default_path: str) -> tuple[str, LineMap]:
    """The text with marker lines blanked, and the map of what came from where."""
    out: list[str] = []
    starts: list[int] = [1]
    paths: list[str] = [default_path]
    lines: list[int] = [1]
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.lstrip()
        if stripped.startswith("#"):
            m = _MARKER.match(stripped)
            if m:
                path = normalize(m.group(2).encode().decode("unicode_escape"))
                if starts[-1] == number + 1:
                    paths[-1], lines[-1] = path, int(m.group(1))
                else:
                    starts.append(number + 1)
                    paths.append(path)
                    lines.append(int(m.group(1)))
                out.append("")
                continue
        out.append(line)
    return "\n".join(out), LineMap(tuple(starts), tuple(paths), tuple(lines))
