"""The linker-script front-end: one script's text and what it defines, purely.

A ``.lds.S`` (or a script written for cpp, ``_written_for_cpp``) needs the
C preprocessor with the tree's include paths and a configuration before it
is a linker script at all, and front-ends read no
other file; so this front-end only records the raw text, the macros it
defines and the files it includes. The preprocess-and-parse step is the
project analysis ``kgclint.analysis.scripts.ScriptIndex``. A plain ``.lds``
(already preprocessed, or written by hand) is parsed here too, so its syntax
errors are reported per file like any front-end diagnostic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kgclint.findings import Diagnostic
from kgclint.inputs import SourceInput
from kgclint.lds.parser import parse as parse_script
from kgclint.location import Location

_DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)", re.M)
_INCLUDE = re.compile(r'^\s*#\s*include\s+[<"]([^>"]+)[>"]', re.M)
_IF = re.compile(r"^[ \t]*#[ \t]*if(?:n?def)?\b", re.M)
_ENDIF = re.compile(r"^[ \t]*#[ \t]*endif\b", re.M)


@dataclass(frozen=True, slots=True)
class LdsFacts:
    """One linker script file: its text, and for ``.lds.S`` the macros it defines and the headers it includes."""

    path: str
    diagnostics: tuple[Diagnostic, ...]
    text: str
    needs_cpp: bool
    defines: tuple[str, ...] = ()
    includes: tuple[str, ...] = ()


def parse(source: SourceInput) -> LdsFacts:
    """Facts of one linker script; malformed input gives a diagnostic, never an exception."""
    diagnostics: list[Diagnostic] = []
    data = source.data
    if b"\0" in data[:65536]:
        return LdsFacts(source.path, (Diagnostic(Location(source.path, 1), "binary file, not a linker script"),), "", False)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        diagnostics.append(Diagnostic(Location(source.path, line), "not valid UTF-8; undecodable bytes replaced"))
        text = data.decode("utf-8", "replace")
    needs_cpp = source.path.endswith(".S") or _written_for_cpp(text)
    if needs_cpp:
        return LdsFacts(
            source.path, tuple(diagnostics), text, True,
            tuple(dict.fromkeys(_DEFINE.findall(text))), tuple(dict.fromkeys(_INCLUDE.findall(text))),
        )
    # INCLUDEd files are not read by a per-file front-end; the project analysis splices them.
    result = parse_script(text, source.path, resolver=lambda name, here: ("", name, lambda line, col: Location(name, line, col)))
    diagnostics.extend(result.diagnostics)
    return LdsFacts(source.path, tuple(diagnostics), text, False)


def _written_for_cpp(text: str) -> bool:
    """Whether a script not named ``.S`` is still cpp input: it ``#include``s a file or has ``#if``/``#endif``.

    ld and lld read ``#`` as a comment, so such a file links without cpp,
    but its author wrote it for cpp (m68k's ``vmlinux-std.lds`` is a
    fragment its ``vmlinux.lds.S`` includes, full of the macros of
    ``asm-generic/vmlinux.lds.h``): parsed raw it is only errors.
    """
    return _INCLUDE.search(text) is not None or (_IF.search(text) is not None and _ENDIF.search(text) is not None)
