"""Mechanical repairs of linker scripts, as text edits on the file a person edits."""

from __future__ import annotations

from kgclint.findings import Fix, TextEdit
from kgclint.lds import ast
from kgclint.lds.macros import Origin


def wrap_in_keep(node: ast.InputSection, origin: Origin) -> Fix | None:
    """``*(x)`` → ``KEEP(*(x))`` where the description is written verbatim (script line or macro body)."""
    if node.keep or origin.span is None:
        return None
    path, start, end = origin.span
    where = f" in macro {origin.macro} ({path})" if origin.macro else ""
    return Fix(
        f"wrap {node.text} in KEEP(){where}",
        (TextEdit(path, start, start, "KEEP("), TextEdit(path, end, end, ")")),
    )
