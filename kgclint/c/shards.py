"""Run the item expansion shard by shard (``kgclint.c.analysis.shard_of``), in forked workers for a tree.

Expanding a whole tree's items is the longest single-core step of a cold
run (about 80 s on Linux 6.12). Shards are independent by construction,
so with ``--jobs`` above one they run in a pool forked after the macro
table is built: the workers share the parent's facts and table, and send
back only the expansions, which name macros by name and place
(``MacroUse``), never by the table's own objects.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence

from kgclint.analysis.macros import MacroTable
from kgclint.c.analysis import FileExpansion, ShardExpander, shard_of
from kgclint.c.facts import CFacts

#: Below this many items and asm templates, forking costs more than it saves (a hook run has hundreds).
POOL_WORK = 20_000

#: What forked workers read: set in the parent just before the pool forks, cleared after.
_FORKED: tuple[MacroTable, list[list[CFacts]]] | None = None


def expand_shards(table: MacroTable, files: Sequence[CFacts], jobs: int) -> list[FileExpansion]:
    """Every file's expansion; the order of the list is not meaningful (callers index by path)."""
    groups: dict[str, list[CFacts]] = {}
    for facts in files:
        groups.setdefault(shard_of(facts.path), []).append(facts)
    shards = list(groups.values())
    work = sum(map(_work, files))
    if jobs <= 1 or work < POOL_WORK or "fork" not in multiprocessing.get_all_start_methods():
        return [expansion for shard in shards for expansion in _expand(table, shard)]
    global _FORKED
    _FORKED = (table, shards)
    # largest shards first, so the last one to finish is a small one
    order = sorted(range(len(shards)), key=lambda i: -sum(map(_work, shards[i])))
    out: list[FileExpansion] = []
    by_path = {facts.path: facts for facts in files}
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for expansions in pool.imap_unordered(_run_shard, order):
                for expansion in expansions:
                    _rejoin(expansion, by_path[expansion.path])
                out.extend(expansions)
    finally:
        _FORKED = None
    return out


def _work(facts: CFacts) -> int:
    """What a file gives the expansion to do: its items and asm templates."""
    return len(facts.items) + len(facts.asm)


def _rejoin(expansion: FileExpansion, facts: CFacts) -> None:
    """Point a worker's results at the parent's own items: the copies unpickling made would hold every head twice."""
    items = {item.start: item for item in facts.items}
    for result in expansion.items:
        result.item = items[result.item.start]


def _expand(table: MacroTable, shard: list[CFacts]) -> list[FileExpansion]:
    expander = ShardExpander(table)
    return [expander.expand_file(facts) for facts in shard]


def _run_shard(index: int) -> list[FileExpansion]:
    """In a worker: one shard's expansions."""
    assert _FORKED is not None
    table, shards = _FORKED
    return _expand(table, shards[index])
