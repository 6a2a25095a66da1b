"""Macro definitions that name each other in a cycle: whether they reach a section must not depend on walk order."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kgclint.analysis.closure import reaches_seed
from kgclint.analysis.macros import MacroTable
from kgclint.frontends.c import parse
from kgclint.inputs import InputKind, SourceInput
from kgclint.project import Options, Project

#: ``route`` reaches ``place``'s section only through ``pick``, which names ``route`` again.
CYCLE_HEADER = b"""
#define pick(x) route(x) place(x)
#define place(x) __attribute__((section(".picked"))) x
#ifdef CONFIG_FOO
#define route(x) pick(x)
#else
#define route(x) x
#endif
"""


def _table(header: bytes = CYCLE_HEADER) -> MacroTable:
    facts = [parse(SourceInput("include/linux/pick.h", header, None)),
             parse(SourceInput("drivers/a.c", b'#include <linux/pick.h>\nroute(int a);\n', None))]
    project = Project(root=Path("/nonexistent"), options=Options(), files={InputKind.C: facts})
    return project.analysis(MacroTable)


def test_a_node_explored_inside_a_cycle_still_reaches_the_seed_behind_it():
    graph = {"a": ["b", "s"], "b": ["a"], "s": []}
    known: dict = {}
    # Walking from a explores b while a is unfinished; b reaches s through a all the same.
    assert reaches_seed("a", str, graph.__getitem__, lambda n: n == "s", known)
    assert reaches_seed("b", str, graph.__getitem__, lambda n: n == "s", known)
    assert known == {"a": True, "b": True, "s": True}


def test_a_cycle_without_a_seed_is_no_and_long_chains_do_not_recurse():
    graph = {"a": ["b"], "b": ["a"]}
    assert not reaches_seed("a", str, graph.__getitem__, lambda n: False, {})
    chain = {i: [i + 1] for i in range(20_000)}
    chain[20_000] = []
    assert reaches_seed(0, int, chain.__getitem__, lambda n: n == 20_000, {})
    assert not reaches_seed(0, int, chain.__getitem__, lambda n: False, {})


def test_the_definition_that_reaches_through_a_cycle_is_preferred_whichever_name_is_asked_first():
    for first in ("pick", "route", "place"):
        scope = _table().scope("drivers/a.c")
        scope.reaches_name(first)
        chosen = scope.lookup("route")
        assert chosen is not None and chosen.conditions == ("+CONFIG_FOO",), first
        assert scope.reaches_name("route") and scope.reaches_name("pick")


def test_the_choice_does_not_depend_on_string_hashing(tmp_path):
    """Names used to be walked in set order and a name met inside a cycle was kept as "no": asked
    from ``pick``, ``route``'s answer then depended on PYTHONHASHSEED, and so did the choice."""
    script = tmp_path / "choose.py"
    script.write_text(
        "import sys; sys.path[:0] = [sys.argv[1]]\n"
        "from test_c_macro_cycles import _table\n"
        "scope = _table().scope('drivers/a.c')\n"
        "scope.reaches_name('pick')\n"
        "print(scope.lookup('route').conditions, scope.lookup('pick').body)\n"
    )
    here = str(Path(__file__).parent)
    outputs = set()
    for seed in range(6):
        env = dict(os.environ, PYTHONHASHSEED=str(seed))
        done = subprocess.run([sys.executable, str(script), here], capture_output=True, text=True, env=env, check=True)
        outputs.add(done.stdout)
    assert outputs == {"('+CONFIG_FOO',) route(x) place(x)\n"}
