"""The lines of a tree file as text, read once per run however many findings point into it.

Reporters print the offending line and the baseline fingerprints it; both
read the file here. Undecodable bytes become U+FFFD: a line is shown, never
a decoding error.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=4096)
def file_lines(path: str) -> tuple[str, ...]:
    """Every line of the file at ``path`` (empty for a file that cannot be read)."""
    try:
        return tuple(Path(path).read_bytes().decode("utf-8", "replace").splitlines())
    except OSError:
        return ()


def source_line(root: Path, relpath: str, line: int) -> str | None:
    """The text of one line of a tree file, or None (binary inputs, line 0, a file gone)."""
    if line <= 0:
        return None
    lines = file_lines(str(root / relpath))
    return lines[line - 1] if line <= len(lines) else None
