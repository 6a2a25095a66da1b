"""KGC105 and the section-stack replay, proved with the real assembler and GCC.

For .S files with conditionals, every configuration is built with gcc and
the assembler's own warning decides whether that configuration is
unbalanced; kgclint's replay must name exactly the configurations it warns
about (pop) or leave pushes open in (push, which the assembler accepts
silently: there the object shows everything after the push in the pushed
section).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from kgclint.asm.scanner import scan
from kgclint.asm.stack import configurations, replay, run
from kgclint.findings import Severity
from kgclint.frontends.asm_file import parse
from kgclint.inputs import SourceInput
from kgclint_rules.sources.unbalanced_section_stack import file_messages, statement_messages
from test_asm_helpers import assemble
from toolchain import try_compile


def test_assembler_warns_and_ignores_a_pop_without_push(tmp_path):
    text = '.section x,"a"\n.popsection\n.long 1'
    done = assemble("x86", text, tmp_path)
    assert done.returncode == 0
    assert ".popsection without corresponding .pushsection; ignored" in done.stderr
    [(problem, _, severity)] = list(file_messages(scan(text, path="t.s", arch="x86")))
    assert problem.kind == "pop-without-push" and problem.location.line == 2
    assert severity is Severity.WARNING


def test_assembler_is_silent_about_a_push_left_open(tmp_path):
    text = '.text\n.pushsection x,"a"\n.long 1'
    done = assemble("x86", text, tmp_path)
    assert done.returncode == 0 and done.stderr == ""
    [(problem, _, severity)] = list(file_messages(scan(text, path="t.s", arch="x86")))
    assert problem.kind == "push-without-pop" and severity is Severity.INFO


def _function_sections(obj: Path, names: tuple[str, ...]) -> dict[str, str]:
    with obj.open("rb") as handle:
        elf = ELFFile(handle)
        symtab = elf.get_section_by_name(".symtab")
        return {n: elf.get_section(symtab.get_symbol_by_name(n)[0]["st_shndx"]).name for n in names}


def test_push_in_file_scope_asm_moves_every_later_function(tmp_path):
    source = tmp_path / "p.c"
    asm_text = '.pushsection .mysec,"ax"\n.long 7\n'
    source.write_text(
        "int a(int x) { return x - 1; }\n"
        'asm(".pushsection .mysec,\\"ax\\"\\n.long 7\\n");\n'
        "int f(int x) { return x + 1; }\n"
    )
    done = try_compile(source, tmp_path / "p.o", flags=("-fno-pie", "-fno-asynchronous-unwind-tables"))
    assert done.returncode == 0 and done.stderr == ""
    assert set(_function_sections(tmp_path / "p.o", ("a", "f")).values()) == {".mysec"}
    [(problem, text)] = list(statement_messages(scan(asm_text, path="p.c", arch="x86", origin="inline-asm"), True))
    assert problem.kind == "push-without-pop" and "silently" in text


def test_push_in_function_asm_breaks_the_build(tmp_path):
    source = tmp_path / "q.c"
    source.write_text('int f(int x) { asm volatile(".pushsection .mysec,\\"ax\\""); return x + 1; }\n')
    done = try_compile(source, tmp_path / "q.o", flags=("-fno-pie", "-fno-asynchronous-unwind-tables"))
    assert done.returncode != 0 and "does not evaluate to a constant" in done.stderr
    [(_, text)] = list(statement_messages(scan('.pushsection .mysec,"ax"', path="q.c", arch="x86", origin="inline-asm")))
    assert "rejects GCC's `.size`" in text


def test_pop_in_asm_statement(tmp_path):
    source = tmp_path / "r.c"
    source.write_text('int f(int x) { asm volatile(".popsection"); return x + 1; }\n')
    done = try_compile(source, tmp_path / "r.o")
    assert done.returncode == 0 and "without corresponding .pushsection" in done.stderr
    [(problem, _)] = list(statement_messages(scan(".popsection", path="r.c", arch="x86", origin="inline-asm")))
    assert problem.kind == "pop-without-push"


CONDITIONAL = {
    "balanced-by-symbol": (
        "#ifdef A\n.pushsection x,\"a\"\n#endif\n.long 1\n#ifdef A\n.popsection\n#endif\n"
    ),
    "complement": (
        "#ifndef A\n.long 0\n#else\n.pushsection x,\"a\"\n#endif\n.long 1\n#if defined(A)\n.popsection\n#endif\n"
    ),
    "pop-only-without-A": (
        "#ifdef A\n.pushsection x,\"a\"\n#endif\n.long 1\n.popsection\n"
    ),
    "else-branch-unbalanced": (
        "#ifdef A\n.pushsection x,\"a\"\n.popsection\n#else\n.popsection\n#endif\n"
    ),
    "asm-if": ".if 0\n.pushsection x,\"a\"\n.endif\n.popsection\n",
}


def _config_of(configs, a_defined: bool):
    """The configuration the real build takes: A as given, and `.if 0` false."""
    for config in configs:
        if all(
            (value == (0 if a_defined else 1)) if key[0] == "symbol" else (value == len(key[2]))
            for key, value in config.items()
        ):
            return config
    raise AssertionError(f"no configuration with A={'defined' if a_defined else 'undefined'}")


@pytest.mark.parametrize("case", sorted(CONDITIONAL))
def test_replay_matches_the_assembler_in_every_configuration(tmp_path, case):
    source = tmp_path / "c.S"
    source.write_text(".text\n" + CONDITIONAL[case])
    facts = parse(SourceInput("arch/x86/c.S", source.read_bytes(), "x86"))
    configs = list(configurations(facts))
    for a_defined in (False, True):
        flags = ("-DA",) if a_defined else ()
        done = try_compile(source, tmp_path / "c.o", arch="x86_64", flags=flags)
        assert done.returncode == 0, done.stderr
        warned = "without corresponding .pushsection" in done.stderr
        problems = run(facts, _config_of(configs, a_defined))
        assert warned == any(kind == "pop-without-push" for kind, _ in problems), (flags, problems, done.stderr)
    reported = {p.kind for p in replay(facts)}
    assert ("pop-without-push" in reported) == (case not in ("balanced-by-symbol", "complement"))


def test_macro_bodies_are_replayed_where_invoked():
    text = ".macro open\n.pushsection x,\"a\"\n.endm\n.macro close\n.popsection\n.endm\nopen\n.long 1\nclose\nopen\n"
    problems = replay(scan(text, path="m.S", arch="x86"))
    assert [p.kind for p in problems] == ["push-without-pop"]
    assert problems[0].location.line == 2  # the push inside the macro that the last call leaves open


def test_macro_never_invoked_is_not_replayed():
    assert replay(scan(".macro m\n.pushsection x\n.endm\n", path="m.S", arch="x86")) == ()


def test_push_closed_by_previous_is_named(tmp_path):
    text = '.text\n.macro dbg\n.pushsection .rodata,"a"\n.byte 0\n.previous\n.endm\ndbg\ndbg\n.long 1\n'
    done = assemble("x86", text, tmp_path)
    assert done.returncode == 0 and done.stderr == ""
    assert done.sections[".text"].type == "progbits"
    [(problem, message, _)] = list(file_messages(scan(text, path="t.S", arch="x86")))
    assert problem.location.line == 3 and "closed with `.previous`" in message
    # two calls left two pushes on the stack: two pops pass, the third is the first to warn
    popped = assemble("x86", text + ".popsection\n" * 3, tmp_path, "popped")
    assert popped.stderr.count("without corresponding .pushsection") == 1
