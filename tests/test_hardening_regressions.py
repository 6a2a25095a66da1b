"""Crashes the fuzz harnesses found, each kept as the smallest input that showed it.

Worst-case timings found by fuzzing live in test_hardening_limits.py (C
unterminated comments, asm keywords in deep nesting); the inputs here made
a reader raise.
"""

from __future__ import annotations

import pytest

from kgclint.inputs import SourceInput

#: bench/fuzz.py lds harness: ``str.isdigit`` is true for non-ASCII digits the number pattern does not match,
#: so the lexer's ``assert m is not None`` fired (AssertionError out of a parser that promises never to raise).
UNICODE_DIGITS = ["\u00b2", "SECTIONS { . = \u0663; }\n", "x = 1;\n\u00b9\n", "SECTIONS { .t : { *(.t) } } = \u2460\n"]


@pytest.mark.parametrize("text", UNICODE_DIGITS)
def test_lds_non_ascii_digit_is_a_diagnostic(text):
    from kgclint.lds.parser import parse

    result = parse(text, "x.lds")
    assert result.diagnostics and all(d.location.path == "x.lds" for d in result.diagnostics)


@pytest.mark.parametrize("text", UNICODE_DIGITS)
def test_lds_front_end_non_ascii_digit(text):
    from kgclint.frontends.lds_file import parse

    facts = parse(SourceInput("arch/x86/kernel/vmlinux.lds", text.encode(), "x86"))
    assert facts.path == "arch/x86/kernel/vmlinux.lds" and facts.diagnostics


def test_lds_cpp_stub_that_must_be_file_and_folder(tmp_path):
    """bench/fuzz.py lds-cpp: ``<zz/b>`` stubbed as a file, then ``<zz/b/c.h>`` needs ``zz/b`` as a folder.

    The stub write raised (FileExistsError / NotADirectoryError) out of the
    preprocessor, and every script rule reported KGC003; the stubs persist in
    the cache, so one bad script broke later runs too.
    """
    import json
    import os
    import subprocess
    import sys

    tree = tmp_path / "tree"
    (tree / "arch" / "x86" / "kernel").mkdir(parents=True)
    (tree / "include").mkdir()
    (tree / "arch" / "x86" / "kernel" / "vmlinux.lds.S").write_text(
        "#include <zz/b>\n#include <zz/b/c.h>\nSECTIONS { .text : { *(.text) } }\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    for _ in range(2):
        run = subprocess.run([sys.executable, "-m", "kgclint", "check", ".", "--format", "json", "--no-cache", "-j1"],
                             cwd=tree, env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode in (0, 1), run.stderr
        codes = [f["code"] for f in json.loads(run.stdout)["findings"]]
        assert "KGC003" not in codes, run.stdout


@pytest.mark.parametrize("text", ["ifeq\nendif\n", "ifneq \t\nendif\n", "ifeq\nobj-y += a.o\nelse\nendif\n"])
def test_kbuild_conditional_without_arguments(text):
    """tests/test_hardening_fuzz.py kbuild harness: ``"" in "\\"'"`` is true, so ``ifeq`` with nothing after it
    read the first character of an empty string (IndexError out of a front-end that promises never to raise)."""
    from kgclint.frontends import kbuild

    facts = kbuild.parse(SourceInput("drivers/Makefile", text.encode(), None))
    assert any("ifeq" in d.message or "ifneq" in d.message or "condition" in d.message for d in facts.diagnostics), \
        facts.diagnostics
