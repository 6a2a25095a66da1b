"""Replay the assembler's section stack (``.pushsection``/``.popsection``) over a scan.

The assembler sees one configuration: cpp and ``.if`` have chosen one branch
of every conditional. kgclint sees all branches, so it replays the stack
once per *consistent* choice: conditionals on the same symbol
(``#ifdef X`` … ``#ifndef X``, ``#if IS_ENABLED(X)``) or with the same text
take matching branches. A problem is real when it happens in some
consistent choice; each reported problem names the choice.

Assembler ``.macro`` bodies are replayed where the file invokes them.
Macros the file does not define (included headers, cpp macros) are not
seen: see ``kgclint.frontends.asm_file``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from kgclint.asm.scanner import Conditional, MacroCall, SectionSwitch
from kgclint.location import Location

#: Most branch combinations tried per file or statement (in a fixed order).
MAX_CHOICES = 1024
#: Deepest chain of ``.macro`` invocations replayed.
MAX_MACRO_DEPTH = 16

_PUSH_POP = frozenset({".pushsection", ".popsection"})


class StackInput(Protocol):
    """What the replay reads: an ``AsmScan`` or an ``AsmFacts``."""

    switches: tuple[SectionSwitch, ...]
    conditionals: tuple[Conditional, ...]
    macro_calls: tuple[MacroCall, ...]


@dataclass(frozen=True, slots=True)
class StackProblem:
    """A ``.popsection`` with nothing pushed, or a ``.pushsection`` never popped.

    ``kind`` is ``pop-without-push`` or ``push-without-pop``; ``condition``
    describes the branch choice under which it happens ("" when in every one).
    """

    kind: str
    location: Location
    condition: str


_DEFINED = re.compile(r"^#\s*(ifdef|ifndef)\s+(\w+)\s*$|^#\s*if\s+(!?)\s*(?:defined\s*\(?\s*(\w+)\s*\)?|IS_ENABLED\s*\(\s*(\w+)\s*\)|(\w+))\s*$")


def _predicate(cond: Conditional) -> tuple[str, bool] | None:
    """``#ifdef X`` → (X, True), ``#ifndef X``/``#if !IS_ENABLED(X)`` → (X, False); else None."""
    if cond.kind != "cpp" or len(cond.conditions) > 2:
        return None
    m = _DEFINED.match(cond.conditions[0])
    if not m:
        return None
    if m.group(1):
        return m.group(2), m.group(1) == "ifdef"
    return (m.group(4) or m.group(5) or m.group(6)), m.group(3) != "!"


@dataclass(frozen=True, slots=True)
class _Event:
    offset: int
    switch: SectionSwitch | None
    call: MacroCall | None
    branch: tuple[tuple[int, int], ...]


def _events(facts: StackInput, macro: str | None) -> list[_Event]:
    events = [_Event(s.offset, s, None, s.branch) for s in facts.switches if s.macro == macro and s.directive in _PUSH_POP]
    events += [_Event(c.offset, None, c, c.branch) for c in facts.macro_calls if c.macro == macro]
    events.sort(key=lambda e: e.offset)
    return events


def _relevant(facts: StackInput) -> list[int]:
    """Conditionals that some push, pop or macro call sits in."""
    used: set[int] = set()
    for s in facts.switches:
        if s.directive in _PUSH_POP:
            used.update(c for c, _ in s.branch)
    for call in facts.macro_calls:
        used.update(c for c, _ in call.branch)
    return sorted(used)


def _choices(facts: StackInput, relevant: list[int]) -> Iterator[dict[int, int]]:
    """Every consistent assignment conditional → branch taken (-1: none), at most MAX_CHOICES."""
    keys: dict[object, list[int]] = {}
    options: dict[object, int] = {}
    for index in relevant:
        cond = facts.conditionals[index]
        pred = _predicate(cond)
        if pred is not None:
            key: object = ("symbol", pred[0])
            options[key] = 2
        else:
            key = ("text", cond.kind, cond.conditions)
            options[key] = len(cond.conditions) + (0 if cond.has_else else 1)
        keys.setdefault(key, []).append(index)
    ordered = sorted(keys, key=repr)
    for values in itertools.islice(itertools.product(*(range(options[k]) for k in ordered)), MAX_CHOICES):
        choice: dict[int, int] = {}
        for key, value in zip(ordered, values):
            for index in keys[key]:
                cond = facts.conditionals[index]
                if key[0] == "symbol":
                    pred = _predicate(cond)
                    assert pred is not None
                    taken_first = (value == 0) == pred[1]
                    choice[index] = 0 if taken_first else (1 if cond.has_else else -1)
                else:
                    choice[index] = value if value < len(cond.conditions) else -1
        yield choice


def _describe(facts: StackInput, choice: dict[int, int], indices: set[int]) -> str:
    parts = []
    for index in sorted(indices):
        cond = facts.conditionals[index]
        taken = choice.get(index, -1)
        if taken >= 0:
            parts.append(f"{cond.conditions[taken]} (line {cond.location.line})")
        else:
            parts.append(f"not {cond.conditions[0]} (line {cond.location.line})")
    return "; ".join(parts)


def replay(facts: StackInput) -> tuple[StackProblem, ...]:
    """Every stack problem of a file or statement, once per location and kind, sorted."""
    relevant = _relevant(facts)
    macros: dict[str | None, list[_Event]] = {}

    def events(macro: str | None) -> list[_Event]:
        if macro not in macros:
            macros[macro] = _events(facts, macro)
        return macros[macro]

    found: dict[tuple[str, Location], str] = {}
    for choice in _choices(facts, relevant):
        stack: list[SectionSwitch] = []
        seen_conds: set[int] = set()
        problems: list[tuple[str, Location]] = []

        def run(macro: str | None, depth: int) -> None:
            for event in events(macro):
                if any(choice.get(c, 0) != b for c, b in event.branch):
                    continue
                seen_conds.update(c for c, _ in event.branch)
                if event.call is not None:
                    if depth < MAX_MACRO_DEPTH and event.call.name != macro:
                        run(event.call.name, depth + 1)
                    continue
                switch = event.switch
                assert switch is not None
                if switch.directive == ".pushsection":
                    stack.append(switch)
                elif stack:
                    stack.pop()
                else:
                    problems.append(("pop-without-push", switch.location))

        run(None, 0)
        problems += [("push-without-pop", s.location) for s in stack]
        for problem in problems:
            if problem not in found:
                found[problem] = _describe(facts, choice, seen_conds & set(choice))
    return tuple(sorted(
        (StackProblem(kind, location, condition) for (kind, location), condition in found.items()),
        key=lambda p: (p.location, p.kind),
    ))
