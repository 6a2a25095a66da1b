"""KGC104: inline asm that switches sections with ``.section``/``.previous`` instead of push/pop."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kgclint.asm.origin import MacroText, Problem, collapse
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
    """One inline-asm statement's bare switches and where they leave the assembler.

    ``paired``: the switches nest as ``.section`` … ``.previous`` brackets,
    so push/pop is a word-for-word replacement. ``restored``: the statement
    ends in the section GCC was in. ``final`` names where it ends otherwise.
    """

    switches: tuple[SectionSwitch, ...]
    paired: bool
    restored: bool
    final: str


#: GCC's section at an asm statement inside a function, and the unknown one before it.
_GCC = "<gcc>"
_BEFORE = "<before>"


def _simulate(switches: Sequence[SectionSwitch], initial: str) -> tuple[str, str]:
    """The assembler's (section, subsection) after the switches, starting in ``initial``."""
    current: tuple[str, str] = (initial, "0")
    previous: tuple[str, str] = (_BEFORE, "0")
    stack: list[tuple[tuple[str, str], tuple[str, str]]] = []
    for switch in switches:
        d = switch.directive
        if d == ".pushsection":
            stack.append((current, previous))
            previous, current = current, (switch.section or "?", "0")
        elif d == ".popsection":
            if stack:
                current, previous = stack.pop()
        elif d == ".previous":
            current, previous = previous, current
        elif d == ".subsection":
            previous, current = current, (current[0], switch.args or "0")
        else:
            previous, current = current, (switch.section or "?", "0")
    return current


def bare_switches(scan: StackInput, top_level: bool = False) -> Switching | None:
    """The statement's section switches outside any ``.pushsection`` of its own, or None if harmless.

    GCC's section at a statement in a function is the function's; at file
    scope it is ``.text`` (GCC emits ``.text`` first and, reordering
    top-level statements as it does by default, writes file-scope asm right
    after it). A statement that ends where GCC was and uses no ``.section``
    (``.subsection N`` … ``.previous``, ARM's out-of-line idiom; a
    file-scope function after ``.text``) is harmless and gives None.
    """
    ordered = sorted(scan.switches, key=lambda s: s.offset)
    depth = 0
    bare: list[SectionSwitch] = []
    for switch in ordered:
        if switch.directive == ".pushsection":
            depth += 1
        elif switch.directive == ".popsection":
            depth = max(0, depth - 1)
        elif depth == 0 and switch.directive in _SWITCHES:
            bare.append(switch)
    if not bare:
        return None
    initial = ".text" if top_level else _GCC
    final = _simulate(ordered, initial)
    restored = final == (initial, "0")
    directives = [s.directive for s in bare]
    if restored and ".section" not in directives:
        return None
    return Switching(tuple(bare), _well_nested(directives), restored, _describe_state(final, initial))


def _describe_state(state: tuple[str, str], initial: str) -> str:
    name, sub = state
    if name == _GCC:
        where = "GCC's own section"
    elif name == _BEFORE:
        where = "the section before GCC's last switch"
    else:
        where = name
    return where if sub == "0" else f"subsection {sub} of {where}"


def _well_nested(directives: list[str]) -> bool:
    """``.section`` opens and ``.previous`` closes, like brackets; nothing else is allowed."""
    open_ = 0
    for directive in directives:
        if directive == ".section":
            open_ += 1
        elif directive == ".previous" and open_:
            open_ -= 1
        else:
            return False
    return open_ == 0


def message(switching: Switching, top_level: bool = False) -> tuple[str, Severity]:
    """What is wrong with one statement's switches, in words, and how bad it is."""
    written = ", ".join(
        f"`{s.directive}{' ' + s.section if s.directive == '.section' and s.section else ''}`"
        for s in switching.switches
    )
    if not switching.restored:
        consequence = (
            "every function GCC writes afterwards without a `.section` of its own lands there"
            if top_level else
            "the rest of the function is assembled there (the assembler then rejects GCC's `.size`)"
        )
        return (
            f"inline asm ({written}) leaves the assembler in {switching.final}, not in the section GCC was "
            f"in: GCC does not know and {consequence}; use `.pushsection`/`.popsection`"
        ), Severity.WARNING
    return (
        f"inline asm switches sections with {written}: it returns to GCC's section only because nothing "
        f"nests inside or around it; `.previous` swaps with the section before the *last* switch, so one "
        f"`.section`/`.previous` pair from a macro (an exception-table entry) inside another sends the "
        f"following code into the table section; use `.pushsection`/`.popsection`"
    ), Severity.INFO


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
    An ``asm()`` statement, in a function or at file scope, that switches
    sections with ``.section``, ``.previous``, ``.text``, ``.data``,
    ``.bss`` or ``.subsection`` outside a ``.pushsection``/``.popsection``
    pair of its own. A warning when it ends in another section than GCC's
    (in a function: the function's; at file scope: ``.text``, where GCC's
    default top-level reordering writes such statements); a note when
    ``.section`` … ``.previous`` happens to return. ``.subsection N`` …
    ``.previous`` alone, and a file-scope function after ``.text``, stay in
    GCC's section and are not reported.

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
    (With ``-fno-toplevel-reorder`` even a file-scope ``.text`` switch moves
    the data that follows into ``.text``; Linux does not use that flag.)

    Example:
    asm(".section .fixup,\\"ax\\"\\n"
        "3: jmp 2b\\n"
        ".previous\\n");

    Fix:
    Replace ``.section`` with ``.pushsection`` and ``.previous`` with
    ``.popsection`` (kgclint offers the edit when the statement spells the
    directives itself; a statement a macro writes is reported once, at the
    macro's definition, with its uses); put any
    ``.text``/``.data`` switch inside a ``.pushsection``/``.popsection`` pair.
    """

    code = "KGC104"
    name = "inline-asm-section-switch"
    severity = Severity.WARNING
    needs = frozenset({InputKind.C})

    def check(self, project: Project) -> Iterable[Finding]:
        from kgclint.analysis.inline_asm import InlineAsmIndex

        sources: dict[str, bytes | None] = {}
        problems: list[Problem] = []
        for statement in project.analysis(InlineAsmIndex).statements:
            if not statement.complete:
                continue  # part of the text is missing: where it ends cannot be told
            switching = bare_switches(statement.scan, statement.top_level)
            if switching is None:
                continue
            fix = None
            if switching.paired and not statement.macros:
                path = statement.location.path
                if path not in sources:
                    sources[path] = _read(project, path)
                data = sources[path]
                fix = plan_fix(switching, data, statement.location) if data is not None else None
            text, severity = message(switching, statement.top_level)
            problems.append(Problem(statement.location, statement.macros, text, severity, fix))
        for report in collapse(problems, MacroText(project.read_bytes)):
            yield self.finding(report.message, report.location, fix=report.fix, severity=report.severity,
                               related=report.related)


def _read(project: Project, path: str) -> bytes | None:
    try:
        return project.read_bytes(path)
    except OSError:
        return None


__all__: Sequence[str] = ("InlineAsmSectionSwitch", "bare_switches", "message", "plan_fix")
