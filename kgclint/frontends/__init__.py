"""Front-ends turn one input's bytes into facts, purely.

Purity (bytes and arch in, facts out; no other file read, nothing global
changed) is what lets the engine run them in a process pool and cache their
results by content. Each front-end is named here by import path, so a run
imports only the front-ends that some selected rule needs.

A front-end is ``parse(source: SourceInput) -> facts``; the facts object is
a frozen dataclass with at least ``path: str`` and
``diagnostics: tuple[Diagnostic, ...]``, and must pickle.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any, Protocol

from kgclint.findings import Diagnostic
from kgclint.inputs import InputKind, SourceInput


class FileFacts(Protocol):
    """What every front-end's result has."""

    path: str
    diagnostics: tuple[Diagnostic, ...]


FRONTENDS: dict[InputKind, str] = {
    InputKind.C: "kgclint.frontends.c:parse",
    InputKind.ASM: "kgclint.frontends.asm_file:parse",
    InputKind.LINKER_SCRIPT: "kgclint.frontends.lds_file:parse",
    InputKind.OBJECT: "kgclint.frontends.elf:parse_object",
    InputKind.ARCHIVE: "kgclint.frontends.elf:parse_archive",
    InputKind.KBUILD: "kgclint.frontends.kbuild:parse",
    InputKind.CONFIG: "kgclint.frontends.kconfig:parse",
}


def load_frontend(kind: InputKind) -> Callable[[SourceInput], Any] | None:
    """The parse function for ``kind``, or None when that front-end is not built yet."""
    target = FRONTENDS.get(kind)
    if target is None:
        return None
    module_name, _, attr = target.partition(":")
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    return getattr(module, attr)
