"""Which sources a linker script outside Kbuild's lists links, read from the make rules beside it.

The answer is checked against make itself: ``make -n`` prints the commands
the corpus makefile runs, and the sources on a command that passes the
script with ``-T`` are what kgclint must find.
"""

from __future__ import annotations

import posixpath
import shutil
import subprocess
from pathlib import Path

import pytest

from kgclint.frontends.kbuild import parse
from kgclint.inputs import SourceInput
from kgclint.kbuild.link_rules import _scripts_passed, linked_stems
from kgclint.kbuild.syntax import Conditional, Rule

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "script-choice"


def _loader(root: Path):
    def load(path: str):
        try:
            data = (root / path).read_bytes()
        except OSError:
            return None
        return parse(SourceInput(path, data, None))
    return load


def test_corpus_rule_links_what_make_links(tmp_path: Path) -> None:
    if shutil.which("make") is None or shutil.which("cc") is None:
        pytest.fail("make and cc are needed (.ci/run installs them)")
    root = tmp_path / "tree"
    shutil.copytree(CORPUS, root)
    dry = subprocess.run(["make", "-n", "-C", str(root / "tools/prog"), "OUTPUT=out", "CC=cc", "all"],
                         capture_output=True, text=True, check=True).stdout
    with_script = {posixpath.join("tools/prog", word[:-2]) for line in dry.splitlines()
                   if any(posixpath.basename(p) == "prog.ld" for p in _scripts_passed(line.split()))
                   for word in line.split() if word.endswith(".c")}
    assert with_script == {"tools/prog/prog"}, dry       # make's own answer, which kgclint must match
    assert linked_stems("tools/prog/prog.ld", _loader(root)) == with_script


def test_a_script_no_rule_passes_is_not_known_to_link_anything() -> None:
    """Kbuild keeps -T inside cmd_ld ($(call if_changed,ld)): no recipe shows it, so no answer narrows the folder."""
    assert linked_stems("arch/x86/entry/vdso/vdso.lds", _loader(CORPUS)) is None
    assert linked_stems("nowhere/x.lds", _loader(CORPUS)) is None


@pytest.mark.parametrize("command", [
    "cc -T x.ld a.o", "cc -Tx.ld a.o", "ld --script=x.ld a.o", "ld --script x.ld a.o",
    "cc -Wl,-T,x.ld a.o", "cc -Wl,--script=x.ld,--build-id=none a.o", "cc -Wl,-T -Wl,x.ld a.o",
])
def test_every_spelling_of_a_script_on_a_command_line(command: str) -> None:
    assert "x.ld" in set(_scripts_passed(command.split()))


def test_rules_keep_their_recipes_and_target_variables_are_no_rules() -> None:
    text = (b"prog: CFLAGS += -O0\n"
            b"ifeq ($(ARCH),x86)\n"
            b"prog: prog.c prog.ld ; $(CC) -c x.c\n"
            b"\t$(CC) -Wl,-T,prog.ld \\\n"
            b"\t\t$^ -o $@\n"
            b"endif\n"
            b"X := 1\n")
    statements = parse(SourceInput("Makefile", text, None)).statements
    conditional = next(s for s in statements if isinstance(s, Conditional))
    assert not any(isinstance(s, Rule) for s in statements)
    assert conditional.then == (Rule("prog", "prog.c prog.ld", ("$(CC) -c x.c", "$(CC) -Wl,-T,prog.ld $^ -o $@"),
                                     conditional.then[0].location),)


def test_uprobe_multi_script_links_uprobe_multi_alone(linux_tree: Path) -> None:
    """Linux's bpf selftests: uprobe_multi.ld is passed by one rule, for uprobe_multi.c; the folder's other
    programs (bpf_testmod, urandom_read, ...) are linked without it."""
    assert linked_stems("tools/testing/selftests/bpf/uprobe_multi.ld", _loader(linux_tree)) == {
        "tools/testing/selftests/bpf/uprobe_multi"}
