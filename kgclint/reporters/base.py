"""What every reporter is given: an output stream, the run's result, and how to format it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TextIO

from kgclint.checker import RunResult


@dataclass(frozen=True)
class ReportSettings:
    """Format choices that are not a format of their own (checkpatch's --emacs one-line form)."""

    emacs: bool = False


class Reporter:
    """Base class: subclasses implement ``report`` and print nothing but the format."""

    def __init__(self, stream: TextIO, settings: ReportSettings | None = None) -> None:
        self.stream = stream
        self.settings = settings or ReportSettings()

    def report(self, result: RunResult) -> None:
        raise NotImplementedError


def one_line(text: str) -> str:
    """A message folded onto one line, for formats that are read line by line."""
    return " ".join(text.split())


@lru_cache(maxsize=1024)
def _file_lines(path: Path) -> tuple[str, ...]:
    try:
        return tuple(path.read_bytes().decode("utf-8", "replace").splitlines())
    except OSError:
        return ()


def source_line(root: Path, relpath: str, line: int) -> str | None:
    """The text of one line of a tree file, or None (binary inputs, line 0, a file gone)."""
    if line <= 0:
        return None
    lines = _file_lines(root / relpath)
    return lines[line - 1] if line <= len(lines) else None
