"""Whether a node of a directed graph reaches a seed node: macro definitions that can reach a section.

Macro definitions form cycles (``xchg`` → ``arch_xchg`` → … → ``xchg``
across ``#if`` branches). A memo that answers "no" for a node still being
explored, and keeps that answer, makes the result depend on the order the
graph is walked in: on which name was asked first, and on string hashing
when names come from a set. Here the walk is Tarjan's strongly connected
components: a node is "no" only once its whole component and everything
it reaches is explored without a seed, and the first seed found makes
every node on the walk's stack "yes" (each of them reaches it). The result
is a function of the graph alone.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

Node = TypeVar("Node")


def reaches_seed(
    start: Node,
    key: Callable[[Node], Hashable],
    successors: Callable[[Node], Iterable[Node]],
    seeds: Callable[[Node], bool],
    known: dict[Hashable, bool],
) -> bool:
    """Whether ``start`` is a seed or reaches one; ``known`` memoises final answers by ``key`` across calls."""
    first = key(start)
    if first in known:
        return known[first]
    if seeds(start):
        known[first] = True
        return True
    index: dict[Hashable, int] = {first: 0}
    low: dict[Hashable, int] = {first: 0}
    stack: list[Hashable] = [first]
    on_stack: set[Hashable] = {first}
    work: list[tuple[Hashable, Iterable[Node]]] = [(first, iter(successors(start)))]

    def found() -> bool:
        for name in stack:
            known[name] = True
        return True

    while work:
        here, pending = work[-1]
        descended = False
        for succ in pending:
            there = key(succ)
            answer = known.get(there)
            if answer is False:
                continue
            if answer is True:
                return found()
            if there in index:
                if there in on_stack:
                    low[here] = min(low[here], index[there])
                continue
            if seeds(succ):
                known[there] = True
                return found()
            index[there] = low[there] = len(index)
            stack.append(there)
            on_stack.add(there)
            work.append((there, iter(successors(succ))))
            descended = True
            break
        if descended:
            continue
        work.pop()
        if low[here] == index[here]:
            while True:
                member = stack.pop()
                on_stack.discard(member)
                known[member] = False
                if member == here:
                    break
        if work:
            parent = work[-1][0]
            low[parent] = min(low[parent], low[here])
    return known[first]
