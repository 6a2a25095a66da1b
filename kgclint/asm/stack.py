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
#: Most push/pop/call events replayed per file or statement, over all configurations
#: (macros that call each other twice over would otherwise grow exponentially).
MAX_EVENTS = 200_000

_PUSH_POP = frozenset({".pushsection", ".popsection"})

#: A group of conditionals that take matching branches: ("symbol", name) or ("text", kind, conditions).
Key = tuple


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


def _keys(facts: StackInput, relevant: list[int]) -> tuple[dict[Key, list[int]], dict[Key, int]]:
    """Group conditionals that must take matching branches; each key's number of choices."""
    keys: dict[Key, list[int]] = {}
    options: dict[Key, int] = {}
    for index in relevant:
        cond = facts.conditionals[index]
        pred = _predicate(cond)
        if pred is not None:
            key: Key = ("symbol", pred[0])
            options[key] = 2  # 0: defined (true), 1: not
        else:
            key = ("text", cond.kind, cond.conditions)
            options[key] = len(cond.conditions) + (0 if cond.has_else else 1)
        keys.setdefault(key, []).append(index)
    return keys, options


def configurations(facts: StackInput, keys: tuple[dict[Key, list[int]], dict[Key, int]] | None = None,
                   ) -> Iterator[dict[Key, int]]:
    """Every consistent choice, as key → value: ``("symbol", X)`` → 0 (true) or 1 (false);
    ``("text", kind, conditions)`` → the branch number taken (== number of branches: none).
    At most MAX_CHOICES, in a fixed order."""
    keys_, options = keys or _keys(facts, _relevant(facts))
    ordered = sorted(keys_, key=repr)
    for values in itertools.islice(itertools.product(*(range(options[k]) for k in ordered)), MAX_CHOICES):
        yield dict(zip(ordered, values))


def _branches(facts: StackInput, config: dict[Key, int], keys: dict[Key, list[int]]) -> dict[int, int]:
    """Conditional index → branch taken (-1: none) under a configuration."""
    choice: dict[int, int] = {}
    for key, value in config.items():
        for index in keys[key]:
            cond = facts.conditionals[index]
            if key[0] == "symbol":
                pred = _predicate(cond)
                assert pred is not None
                taken_first = (value == 0) == pred[1]
                choice[index] = 0 if taken_first else (1 if cond.has_else else -1)
            else:
                choice[index] = value if value < len(cond.conditions) else -1
    return choice


def describe(config: dict[Key, int]) -> str:
    """``A defined; #if X > 1 taken`` for a configuration (\"\" when there is no conditional)."""
    parts = []
    for key, value in sorted(config.items(), key=repr):
        if key[0] == "symbol":
            parts.append(f"{key[1]} {'defined' if value == 0 else 'not defined'}")
        elif value < len(key[2]):
            parts.append(f"`{key[2][value]}` taken")
        else:
            parts.append(f"no branch of `{key[2][0]}` taken")
    return "; ".join(parts)


class _Budget:
    """Events left to replay; replay stops quietly when it runs out."""

    def __init__(self, events: int) -> None:
        self.left = events


def run(facts: StackInput, config: dict[Key, int], budget: _Budget | None = None,
        keys: dict[Key, list[int]] | None = None,
        cache: dict[str | None, list[_Event]] | None = None) -> list[tuple[str, Location]]:
    """The stack problems of one configuration, in order."""
    budget = budget or _Budget(MAX_EVENTS)
    choice = _branches(facts, config, keys if keys is not None else _keys(facts, _relevant(facts))[0])
    cache = {} if cache is None else cache
    stack: list[SectionSwitch] = []
    problems: list[tuple[str, Location]] = []

    def go(macro: str | None, depth: int) -> None:
        if macro not in cache:
            cache[macro] = _events(facts, macro)
        for event in cache[macro]:
            if budget.left <= 0:
                return
            budget.left -= 1
            if any(choice.get(c, 0) != b for c, b in event.branch):
                continue
            if event.call is not None:
                if depth < MAX_MACRO_DEPTH and event.call.name != macro:
                    go(event.call.name, depth + 1)
                continue
            switch = event.switch
            assert switch is not None
            if switch.directive == ".pushsection":
                stack.append(switch)
            elif stack:
                stack.pop()
            else:
                problems.append(("pop-without-push", switch.location))

    go(None, 0)
    return problems + [("push-without-pop", s.location) for s in stack]


def replay(facts: StackInput) -> tuple[StackProblem, ...]:
    """Every stack problem of a file or statement, once per location and kind, sorted.

    Each names the first configuration (in a fixed order) it happens in,
    or none when it happens in every one.
    """
    found: dict[tuple[str, Location], str] = {}
    everywhere: set[tuple[str, Location]] | None = None
    budget = _Budget(MAX_EVENTS)
    keys = _keys(facts, _relevant(facts))
    cache: dict[str | None, list[_Event]] = {}
    for config in configurations(facts, keys):
        if budget.left <= 0:
            break
        problems = run(facts, config, budget, keys[0], cache)
        for problem in problems:
            if problem not in found:
                found[problem] = describe(config)
        everywhere = set(problems) if everywhere is None else everywhere & set(problems)
    always = everywhere or set()
    return tuple(sorted(
        (StackProblem(kind, location, "" if (kind, location) in always else condition)
         for (kind, location), condition in found.items()),
        key=lambda p: (p.location, p.kind),
    ))
