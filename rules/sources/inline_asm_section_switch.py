"""KGC104: inline asm that switches sections with ``.section``/``.previous`` instead of push/pop."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kgclint.asm.scanner import SectionSwitch
from kgclint.asm.stack import StackInput
from kgclint.findings import Finding, Fix, Severity, TextEdit
from kgclint.inputs import InputKind
from kgclint.location import Location
from kgclint.project import Project
from kgclint.rule import Rule

#: Directives that change GCC's section behind its back when used outside a push/pop pair.
_SWITCHES = frozenset({".section", ".previous", ".text", ".data", ".bss", ".subsection"})
_REPLACEMENT = {".section": ".pushsection", ".previous": ".popsection"}
_WORD = {d: re.compile(rb"(?<![\w.])" + re.escape(d.encode()) + rb"(?![\w.])") for d in _REPLACEMENT}


@dataclass(frozen=True, slots=True)
class Switching:
    """One inline-asm statement's bare switches, and whether they nest as ``.section … .previous`` pairs."""

    switches: tuple[SectionSwitch, ...]
    paired: bool


def bare_switches(scan: StackInput) -> Switching | None:
    """The statement's section switches outside any ``.pushsection`` of its own, or None if none.

    ``paired`` is true when every ``.section`` is closed by a ``.previous``
    like brackets, so that push/pop is a word-for-word replacement. A
    statement whose only switches are ``.subsection N`` … ``.previous``
    pairs is not reported: it stays in GCC's own section (out-of-line code
    in a later subsection, an ARM idiom), which push/pop cannot name.
    """
    depth = 0
    bare: list[SectionSwitch] = []
    for switch in sorted(scan.switches, key=lambda s: s.offset):
        if switch.directive == ".pushsection":
            depth += 1
        elif switch.directive == ".popsection":
            depth = max(0, depth - 1)
        elif depth == 0 and switch.directive in _SWITCHES:
            bare.append(switch)
    if not bare:
        return None
    directives = [s.directive for s in bare]
    if _well_nested(directives) and ".section" not in directives:
        # `.subsection N` … `.previous`: out-of-line code in GCC's own section; push/pop cannot say that
        return None
    return Switching(tuple(bare), _well_nested(directives) and ".subsection" not in directives)


def _well_nested(directives: list[str]) -> bool:
    """``.section``/``.subsection`` open and ``.previous`` closes, like brackets; nothing else is allowed."""
    open_ = 0
    for directive in directives:
        if directive in (".section", ".subsection"):
            open_ += 1
        elif directive == ".previous" and open_:
            open_ -= 1
        else:
            return False
    return open_ == 0


def message(switching: Switching) -> str:
    """What is wrong with one statement's switches, in words."""
    first = switching.switches[0]
    if switching.paired:
        return (
            f"inline asm switches to {first.section or 'a section'} with `.section` and back with `.previous`: "
            f"`.previous` returns to the section before the *last* switch, so when another `.section`/"
            f"`.previous` pair nests inside (a macro such as an exception-table entry) or around it, the "
            f"code after the statement lands in the wrong section; use `.pushsection`/`.popsection`"
        )
    written = ", ".join(f"`{s.directive}{' ' + s.section if s.directive == '.section' and s.section else ''}`"
                        for s in switching.switches)
    return (
        f"inline asm changes the current section ({written}) without restoring it with `.popsection`: GCC "
        f"assumes its own section is still current after the statement and emits the following code or data "
        f"there; wrap the switch in `.pushsection`/`.popsection`"
    )


def _statement_span(source: bytes, start: int) -> tuple[int, int] | None:
    """Bytes of the asm statement starting at ``start``: up to the ``)`` closing its first ``(``."""
    depth = 0
    i = start
    n = len(source)
    while i < n:
        c = source[i:i + 1]
        if c == b'"':
            i += 1
            while i < n and source[i:i + 1] not in (b'"', b"\n"):
                i += 2 if source[i:i + 1] == b"\\" else 1
        elif c == b"(":
            depth += 1
        elif c == b")":
            depth -= 1
            if depth == 0:
                return start, i + 1
        elif c == b";" and depth == 0:
            return None
        i += 1
    return None


def plan_fix(switching: Switching, source: bytes, statement: Location) -> Fix | None:
    """Text edits replacing each ``.section``/``.previous`` with push/pop in the C file, when unambiguous.

    The directive words are looked for in the statement's own text, from
    its location to its closing parenthesis; when they are not exactly the
    statement's bare switches in order (part of the text came from a macro
    defined elsewhere), there is no fix.
    """
    if not switching.paired or statement.line < 1:
        return None
    lines = source.split(b"\n")
    if statement.line > len(lines):
        return None
    begin = sum(len(line) + 1 for line in lines[:statement.line - 1]) + max(statement.column - 1, 0)
    span = _statement_span(source, begin)
    if span is None:
        return None
    region = source[span[0]:span[1]]
    hits = sorted((m.start(), d) for d, word in _WORD.items() for m in word.finditer(region))
    if [d for _, d in hits] != [s.directive for s in switching.switches]:
        return None
    edits = tuple(
        TextEdit(statement.path, span[0] + offset, span[0] + offset + len(d), _REPLACEMENT[d]) for offset, d in hits
    )
    return Fix("use .pushsection/.popsection", edits)


class InlineAsmSectionSwitch(Rule):
    """Inline asm that changes sections with ``.section``/``.previous`` (or ``.text``/``.data``).

    What it finds:
    An ``asm()`` statement, in a function or at file scope, whose section
    directives are not inside a ``.pushsection``/``.popsection`` pair of
    its own: ``.section``, ``.previous``, ``.text``, ``.data``, ``.bss``,
    and ``.subsection`` unless it is only ``.subsection N`` … ``.previous``
    (which stays in GCC's section).

    Why it breaks a kernel:
    GCC writes its own section directives around the statement and assumes
    the statement leaves the section as it found it. ``.previous`` only
    swaps with the section before the *last* switch: nest one
    ``.section``/``.previous`` pair inside another (exception-table macros
    inside a ``.fixup`` block) and the outer ``.previous`` lands in the
    inner section. Inside a function the assembler then rejects GCC's
    ``.size`` (the function's end is in another section); at file scope it
    says nothing, and every function GCC emits afterwards without an
    explicit ``.section`` (without ``-ffunction-sections``) goes into the
    table section, where ``--gc-sections`` keeps or drops it with the table.

    Example:
    asm(".section .fixup,\\"ax\\"\\n"
        "3: jmp 2b\\n"
        ".previous\\n");

    Fix:
    Replace ``.section`` with ``.pushsection`` and ``.previous`` with
    ``.popsection`` (kgclint offers the edit when the statement spells the
    directives itself rather than through a macro); put any
    ``.text``/``.data`` switch inside a ``.pushsection``/``.popsection`` pair.
    """

    code = "KGC104"
    name = "inline-asm-section-switch"
    severity = Severity.WARNING
    needs = frozenset({InputKind.C})

    def check(self, project: Project) -> Iterable[Finding]:
        from kgclint.analysis.inline_asm import InlineAsmIndex

        sources: dict[str, bytes | None] = {}
        for statement in project.analysis(InlineAsmIndex).statements:
            switching = bare_switches(statement.scan)
            if switching is None:
                continue
            fix = None
            if switching.paired:
                path = switching.switches[0].location.path
                if path not in sources:
                    sources[path] = _read(project, path)
                data = sources[path]
                fix = plan_fix(switching, data, statement.location) if data is not None else None
            yield self.finding(message(switching), switching.switches[0].location, fix=fix)


def _read(project: Project, path: str) -> bytes | None:
    try:
        return project.read_bytes(path)
    except OSError:
        return None


__all__: Sequence[str] = ("InlineAsmSectionSwitch", "bare_switches", "message", "plan_fix")
