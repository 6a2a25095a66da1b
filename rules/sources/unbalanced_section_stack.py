"""KGC105: ``.pushsection``/``.popsection`` that do not pair up in one asm statement or one ``.S`` file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kgclint.asm.expand import ExpandedAsmFiles
from kgclint.asm.origin import MacroText, Problem, collapse
from kgclint.asm.stack import StackInput, StackProblem, replay
from kgclint.findings import Finding, Severity
from kgclint.inputs import InputKind
from kgclint.project import Project
from kgclint.rule import Rule


def _where(problem: StackProblem) -> str:
    return f" when {problem.condition}" if problem.condition else ""


def statement_messages(scan: StackInput, top_level: bool = False) -> Iterator[tuple[StackProblem, str]]:
    """The stack problems of one inline-asm statement, each with its message."""
    for problem in replay(scan):
        if problem.kind == "pop-without-push":
            yield problem, (
                "inline asm pops a section it did not push: the assembler warns and ignores the "
                "`.popsection`, so the code or data that follows is assembled into the wrong section"
            )
        elif top_level:
            yield problem, (
                "file-scope asm pushes a section and never pops it: GCC writes such statements before its "
                "functions and does not know, so every function it writes without a `.section` of its own "
                "(no -ffunction-sections) is assembled into the pushed section, silently"
            )
        else:
            yield problem, (
                "inline asm pushes a section and never pops it: GCC assumes it is still in its own section "
                "after the statement, so the rest of the function is assembled into the pushed section (the "
                "assembler then rejects GCC's `.size` for the function)"
            )


def _closed_by_previous(facts: StackInput, problem: StackProblem) -> bool:
    """Whether the next switch after an unpopped push, in the same macro body, is ``.previous``."""
    ordered = sorted(facts.switches, key=lambda s: s.offset)
    for i, switch in enumerate(ordered):
        if switch.location == problem.location and switch.directive == ".pushsection":
            later = [s for s in ordered[i + 1:] if s.macro == switch.macro]
            return bool(later) and later[0].directive == ".previous"
    return False


def file_messages(facts: StackInput) -> Iterator[tuple[StackProblem, str, Severity]]:
    """The stack problems of one ``.S`` file, each with its message and severity."""
    for problem in replay(facts):
        if problem.kind == "push-without-pop" and _closed_by_previous(facts, problem):
            yield problem, (
                f"`.pushsection` is closed with `.previous`{_where(problem)}: that switches back but leaves the "
                f"push on the assembler's stack, one more each time this runs; close it with `.popsection`"
            ), Severity.INFO
            continue
        if problem.kind == "pop-without-push":
            yield problem, (
                f"`.popsection` with nothing pushed{_where(problem)}: the assembler warns and ignores it, "
                f"so what follows stays in the current section"
            ), Severity.WARNING
        else:
            yield problem, (
                f"`.pushsection` is never popped{_where(problem)}: the assembler accepts it silently and "
                f"everything after it stays in the pushed section; pair it with `.popsection`"
            ), Severity.INFO


class UnbalancedSectionStack(Rule):
    """Push and pop of the assembler's section stack that do not pair up.

    What it finds:
    In one inline-asm statement, or in one ``.S`` file (every consistent
    choice of its ``#if``/``.if`` branches, with the ``.macro`` bodies it
    defines replayed where it invokes them, and the C macros it uses
    expanded from the tree's headers): a ``.popsection`` with nothing
    pushed, or a ``.pushsection`` that is never popped.

    Why it breaks a kernel:
    GNU as ignores an unmatched ``.popsection`` with only a warning, and
    says nothing about a push left open. In inline asm the damage is
    worse: GCC does not know the statement changed sections, so the rest
    of the function is emitted into the pushed section, for example into a
    table that ``--gc-sections`` keeps or drops as a whole, or into
    ``.init.text`` that is freed after boot.

    Example:
    asm volatile(".pushsection .mytable,\\"a\\"\\n\\t.long 1b\\n");

    Fix:
    Close every ``.pushsection`` with ``.popsection`` in the same
    statement or macro, and never close one with ``.previous``.
    """

    code = "KGC105"
    name = "unbalanced-section-stack"
    severity = Severity.WARNING
    needs = frozenset({InputKind.ASM, InputKind.C})

    def check(self, project: Project) -> Iterable[Finding]:
        for _path, facts in sorted(project.analysis(ExpandedAsmFiles).scans.items()):
            for problem, message, severity in file_messages(facts):
                yield self.finding(message, problem.location, severity=severity,
                                   properties={"origin": "asm", "kind": problem.kind})
        if not project.facts(InputKind.C):
            return
        from kgclint.analysis.inline_asm import InlineAsmIndex

        problems: list[Problem] = []
        for statement in project.analysis(InlineAsmIndex).statements:
            if not statement.complete:
                continue  # part of the text is missing: its pushes and pops cannot be counted
            for problem, message in statement_messages(statement.scan, statement.top_level):
                problems.append(Problem(problem.location, statement.macros, message, self.severity))
        for report in collapse(problems, MacroText(project.read_bytes)):
            yield self.finding(report.message, report.location, related=report.related,
                               properties={"origin": "inline-asm"})
