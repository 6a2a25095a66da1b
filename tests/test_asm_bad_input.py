"""Bad input to the assembly front-end: a diagnostic with file and line, partial facts, no hang."""

from __future__ import annotations

import pickle
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from kgclint.asm.scanner import MAX_DIAGNOSTICS, scan
from kgclint.asm.stack import replay
from kgclint.frontends.asm_file import parse
from kgclint.inputs import SourceInput


def _parse(data: bytes, path: str = "arch/x86/kernel/bad.S"):
    return parse(SourceInput(path, data, None))


def _timed(data: bytes, path: str = "arch/x86/kernel/bad.S", limit: float = 10.0):
    start = time.monotonic()
    facts = _parse(data, path)
    replay(facts)
    assert time.monotonic() - start < limit
    return facts


def test_binary_junk_is_reported_at_its_line():
    facts = _timed(b".text\n.long 1\n\x7fELF\x00\x01\x02garbage\n")
    [diagnostic] = facts.diagnostics
    assert diagnostic.location.path == "arch/x86/kernel/bad.S" and diagnostic.location.line == 3
    assert "binary" in diagnostic.message


def test_non_utf8_is_reported_and_the_rest_is_scanned():
    facts = _timed(b'.section .a,"a"\n.ascii "\xff\xfe"\n.section .b,"aw"\n')
    assert [d.location.line for d in facts.diagnostics] == [2]
    assert "UTF-8" in facts.diagnostics[0].message
    assert [s.section for s in facts.switches] == [".a", ".b"]


def test_ten_megabyte_line_is_skipped_with_a_diagnostic():
    facts = _timed(b'.section .a,"a"\n' + b";" * (10 * 1024 * 1024) + b'\n.section .b,"a"\n')
    assert [d.location.line for d in facts.diagnostics] == [2]
    assert "characters long" in facts.diagnostics[0].message
    assert [s.section for s in facts.switches] == [".a", ".b"]


def test_megabyte_file_of_short_lines_is_scanned_in_time():
    facts = _timed(b".pushsection .x\n.long 1\n.popsection\n" * 30_000, limit=30.0)
    assert len(facts.switches) == 60_000 and facts.diagnostics == ()


def test_unterminated_string_and_comment_are_located():
    facts = _timed(b'.section .a,"a\n.long 1\n/* never closed\n.section .b\n')
    assert [(d.location.line, d.message) for d in facts.diagnostics] == [
        (1, "unterminated string"), (3, "unterminated /* comment")]


def test_garbage_and_unbalanced_conditionals():
    facts = _timed(b"#if A\n#if B\n}{)(\n.endm\n.else\n#endif\n%%%% ,,,, \"\n.macro m\n")
    messages = sorted(d.message for d in facts.diagnostics)
    assert any("#if without end" in m for m in messages)
    assert any(".endm without .macro" in m for m in messages)
    assert any(".macro m without .endm" in m for m in messages)


def test_five_hundred_nested_conditionals():
    text = "".join(f"#ifdef C{i}\n" for i in range(500)) + ".pushsection .x\n" + "#endif\n" * 500
    facts = _timed(text.encode())
    assert facts.diagnostics == ()
    assert len(facts.switches) == 1


def test_macros_that_call_each_other_do_not_explode():
    text = ".macro a\nb\nb\n.pushsection .x\n.endm\n.macro b\na\na\n.popsection\n.endm\na\n"
    facts = _timed(text.encode(), limit=20.0)
    assert isinstance(replay(facts), tuple)


def test_diagnostics_are_capped():
    facts = _timed(b'"\n' * 1000)
    assert len(facts.diagnostics) == MAX_DIAGNOSTICS + 1
    assert "more problems" in facts.diagnostics[-1].message


def test_facts_pickle():
    facts = _parse(b'#define X 1\n#include <a.h>\n.section .a,"a"\nfoo: .long bar\n')
    again = pickle.loads(pickle.dumps(facts))
    assert again == facts
    assert again.includes[0][0] == "a.h" and again.defines[0].text == "#define X 1"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('.section"pushpop#@/;*\n\t ,%abc:1\\')), max_size=400),
       st.sampled_from(["x86", "arm", "arm64", "riscv", "powerpc", "mips", "s390", None]))
def test_any_text_scans_deterministically(text, arch):
    first = scan(text, path="f.S", arch=arch, cpp=True)
    assert scan(text, path="f.S", arch=arch, cpp=True) == first
    replay(first)
    for switch in first.switches:
        assert 1 <= switch.location.line <= text.count("\n") + 1


def test_long_chain_of_statements_after_previous_needs_no_recursion():
    facts = _timed(b'.section .a,"a"\n' + b".previous " * 6000 + b"\n")
    assert len(facts.switches) == 6001
