"""What every reporter is given: an output stream, the run's result, and how to format it."""

from __future__ import annotations

from dataclasses import dataclass
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
