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
