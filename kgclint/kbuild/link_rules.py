"""What a linker script outside Kbuild's lists links, read from the make rules beside it.

A user-space program under ``tools/`` may bring its own script
(``tools/testing/selftests/bpf/uprobe_multi.ld``), linked by a plain make
rule whose recipe passes it with ``-T``::

    $(OUTPUT)/uprobe_multi: uprobe_multi.c uprobe_multi.ld
            $(CC) $(CFLAGS) -Wl,-T,uprobe_multi.ld $(filter-out %.ld,$^) -o $@

That rule, not the folder, says which sources the script links: here
``uprobe_multi.c`` alone, not the dozens of other programs of the folder.
The makefile in the script's folder is evaluated (every branch, with the
rule's automatic variables ``$^``, ``$+``, ``$<``, ``$@``) and each rule
whose expanded recipe passes the script (``-T x``, ``-Tx``, ``--script=x``,
also inside ``-Wl,…``) contributes the sources and objects among its
prerequisites and recipe words. A script no such rule passes (Kbuild's own
``$(call if_changed,ld)`` keeps ``-T`` in a variable of ``cmd_ld``) is not
known to link anything in particular: ``linked_stems`` says None.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator

from kgclint.frontends.kbuild import KbuildFacts
from kgclint.kbuild.evaluate import Env, Evaluator, Var, Word
from kgclint.kbuild.syntax import Conditional, Rule, Statement

#: Words of a link that name a source or an object compiled from one.
SOURCE_SUFFIXES = (".c", ".S", ".s", ".o")


def script_names(script: str) -> frozenset[str]:
    """The file names a recipe may use for a script: its own, and the one cpp makes of ``x.lds.S``."""
    name = posixpath.basename(script)
    return frozenset({name, name[:-2]} if name.endswith(".S") else {name})


def stem(path: str) -> str:
    """A source or object path without its suffix: ``dir/x.c`` and ``dir/x.o`` are one compilation."""
    return path.rsplit(".", 1)[0] if path.endswith(SOURCE_SUFFIXES) else path


def linked_stems(script: str, load: Callable[[str], KbuildFacts | None]) -> frozenset[str] | None:
    """The tree paths (``stem``) of what the make rules beside ``script`` link with it; None if no rule passes it."""
    folder = posixpath.dirname(script)
    makefile = posixpath.join(folder, "Makefile")
    facts = load(makefile)
    if facts is None:
        return None
    evaluator = Evaluator(None, load, reported=lambda _name: False, report_conditions=False, report_includes=False)
    env: Env = {"srctree": Var(False, (Word("."),)), "src": Var(False, (Word(folder or "."),))}
    env = evaluator.run(facts, env)
    names = script_names(script)
    linked: set[str] | None = None
    for rule in _rules(facts.statements):
        prerequisites = [w.text for w in evaluator.text_words(rule.prerequisites, env, rule.location)]
        targets = [w.text for w in evaluator.text_words(rule.targets, env, rule.location)]
        local = dict(env)
        local["^"] = Var(False, tuple(Word(w) for w in dict.fromkeys(prerequisites)))
        local["+"] = Var(False, tuple(Word(w) for w in prerequisites))
        local["<"] = Var(False, tuple(Word(w) for w in prerequisites[:1]))
        local["@"] = Var(False, tuple(Word(w) for w in targets[:1]))
        recipe = [w.text for line in rule.recipe for w in evaluator.text_words(line, local, rule.location)]
        if not any(posixpath.basename(passed) in names for passed in _scripts_passed(recipe)):
            continue
        linked = linked if linked is not None else set()
        for word in prerequisites + recipe:
            if word.endswith(SOURCE_SUFFIXES) and not word.startswith("-"):
                # an undefined $(OUTPUT)/ leaves a bare leading slash: the path is the folder's own
                linked.add(stem(posixpath.normpath(posixpath.join(folder, word.lstrip("/")))))
    return frozenset(linked) if linked is not None else None


def _rules(statements: tuple[Statement, ...]) -> Iterator[Rule]:
    """Every rule of a makefile, in every branch of its conditionals."""
    for statement in statements:
        if isinstance(statement, Rule):
            yield statement
        elif isinstance(statement, Conditional):
            yield from _rules(statement.then)
            yield from _rules(statement.orelse)


def _scripts_passed(words: list[str]) -> Iterator[str]:
    """The linker scripts a command line passes: ``-T x``, ``-Tx``, ``--script=x``, also as ``-Wl,-T,x``."""
    args: list[str] = []
    for word in words:
        args.extend(word.split(",")[1:] if word.startswith("-Wl,") else [word])
    for i, arg in enumerate(args):
        if arg in ("-T", "--script") and i + 1 < len(args):
            yield args[i + 1]
        elif arg.startswith("--script="):
            yield arg[len("--script="):]
        elif arg.startswith("-T") and len(arg) > 2:
            yield arg[2:]
