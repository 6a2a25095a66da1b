"""Accepted findings, remembered without line numbers so that code can move.

An entry is the finding's code, path, message, and the text of the line it
points at (white space folded). Lines that move keep their text, so the
entry still matches; an edited line is new code and is reported again. Each
entry absorbs as many findings as it counted when written.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from kgclint.atomic import atomic_write
from kgclint.findings import Finding
from kgclint.source_text import source_line

FORMAT_VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be read; the message names it."""


def line_text(root: Path, relpath: str, line: int) -> str:
    """The source line a finding points at, white space folded; "" when there is none."""
    text = source_line(root, relpath, line)
    return " ".join(text.split()) if text is not None else ""


def fingerprint(finding: Finding, root: Path) -> str:
    """A stable identity of a finding that does not depend on its line number."""
    loc = finding.location
    parts = (finding.code, loc.path, finding.message, line_text(root, loc.path, loc.line))
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:32]


class Baseline:
    """Counts of accepted findings by fingerprint."""

    def __init__(self, counts: Counter[str]) -> None:
        self.counts = counts

    @classmethod
    def read(cls, path: Path) -> Baseline:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = data["entries"]
            return cls(Counter({e["fingerprint"]: int(e.get("count", 1)) for e in entries}))
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise BaselineError(f"{path}: not a kgclint baseline ({exc})") from exc

    def filter(self, findings: Iterable[Finding], root: Path) -> list[Finding]:
        """The findings the baseline does not account for."""
        left = Counter(self.counts)
        fresh: list[Finding] = []
        for finding in sorted(findings, key=Finding.sort_key):
            key = fingerprint(finding, root)
            if left[key] > 0:
                left[key] -= 1
            else:
                fresh.append(finding)
        return fresh


def write_baseline(path: Path, findings: Iterable[Finding], root: Path) -> int:
    """Write every finding as accepted (atomically); return how many entries."""
    grouped: dict[str, dict] = {}
    for finding in sorted(findings, key=Finding.sort_key):
        key = fingerprint(finding, root)
        entry = grouped.setdefault(key, {
            "fingerprint": key, "code": finding.code, "path": finding.location.path,
            "message": finding.message, "count": 0,
        })
        entry["count"] += 1
    document = {"version": FORMAT_VERSION, "entries": [grouped[k] for k in sorted(grouped, key=lambda k: (grouped[k]["path"], grouped[k]["code"], k))]}
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    atomic_write(path, text.encode("utf-8"))
    return len(grouped)

