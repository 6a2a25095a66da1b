"""The statements of a makefile, as the Kbuild front-end reads them.

What decides membership and flags is kept: assignments, conditionals,
includes and exports; and rules with their recipes, which say what a
linker script outside Kbuild's lists links (``-T`` in a recipe). Values
stay unexpanded text: expansion
needs other files' variables, so it is the evaluator's job, not the
front-end's.
"""

from __future__ import annotations

from dataclasses import dataclass

from kgclint.location import Location


@dataclass(frozen=True, slots=True)
class Assign:
    """``name op value``; ``op`` is one of ``=``, ``:=``, ``::=``, ``+=``, ``?=``, ``!=``."""

    name: str
    op: str
    value: str
    location: Location
    export: bool = False


@dataclass(frozen=True, slots=True)
class Export:
    """``export A B`` without a value: the variables pass to sub-makes (Kbuild's descent)."""

    names: str
    location: Location


@dataclass(frozen=True, slots=True)
class Conditional:
    """``ifeq``/``ifneq``/``ifdef``/``ifndef`` with its two bodies.

    ``args`` is ``(left, right)`` for ifeq/ifneq and ``(variable,)`` for
    ifdef/ifndef, unexpanded. ``else ifeq …`` chains are an ``orelse``
    holding one nested Conditional.
    """

    kind: str
    args: tuple[str, ...]
    then: tuple[Statement, ...]
    orelse: tuple[Statement, ...]
    location: Location


@dataclass(frozen=True, slots=True)
class Include:
    """``include``/``-include``/``sinclude`` of unexpanded file names."""

    files: str
    optional: bool
    location: Location


@dataclass(frozen=True, slots=True)
class Unfollowed:
    """A line kgclint does not model (``$(eval …)`` at top level, a ``vpath`` directive, unknown syntax).

    Kept as a statement so the evaluator says so where it runs the
    makefile: valid make kgclint does not follow matters only in a
    makefile the model reads (a selftest's ``$(eval)`` is no one's
    concern), while text that is not make at all (``reported``) is
    already the front-end's diagnostic.
    """

    construct: str
    location: Location
    reported: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    """``targets: prerequisites`` and its recipe lines (without the leading tab), all unexpanded."""

    targets: str
    prerequisites: str
    recipe: tuple[str, ...]
    location: Location


Statement = Assign | Export | Conditional | Include | Unfollowed | Rule
