"""The macro expander: cpp's rules (#, ##, nesting, variadics, hide sets) and its limits."""

from __future__ import annotations

import time

import pytest

from kgclint.c.directives import scan_directives
from kgclint.c.expander import MAX_DEPTH, Expander
from kgclint.c.tokens import spell, tokenize


def expand(defines: str, text: str) -> tuple[str, list[str]]:
    table = {m.name: m for m in scan_directives(defines.encode()).defines}
    expander = Expander(table.get)
    return spell(expander.expand(tokenize(text))), expander.problems


@pytest.mark.parametrize(("defines", "text", "expected"), [
    ("#define S(x) #x\n", 'S(a  "b\\n" c)', '"a \\"b\\\\n\\" c"'),
    ("#define S(x) #x\n#define X(x) S(x)\n#define V 3\n", "S(V) X(V)", '"V" "3"'),
    ("#define C(a, b) a##b\n", "C(init, call6) C(, x) C(x, )", "initcall6 x x"),
    ("#define C(a, b) a##b\n#define initcall6 done\n", "C(init, call6)", "done"),
    ("#define F(x, ...) g(x, ##__VA_ARGS__)\n", "F(1) F(1, 2, 3)", "g(1) g(1, 2, 3)"),
    ("#define F(fmt, args...) p(fmt, ## args)\n", "F(a) F(a, b)", "p(a) p(a, b)"),
    ("#define SELF SELF + 1\n", "SELF", "SELF + 1"),
    ("#define A B\n#define B A\n", "A B", "A B"),
    ("#define f(x) x g\n#define g f\n", "f(1)(2)", "1 f(2)"),
    ("#define __section(s) __attribute__((__section__(s)))\n#define __init __section(\".init.text\")\n",
     "static int __init f(void)", 'static int __attribute__((__section__(".init.text"))) f(void)'),
    ("#define EMPTY\n#define F() x\n", "EMPTY F() F", "x F"),
])
def test_cpp_rules(defines, text, expected):
    out, problems = expand(defines, text)
    assert out.replace(" ,", ",") == expected
    assert not problems


def test_expansion_matches_gcc_preprocessor(tmp_path):
    """The same defines and text through ``gcc -E``: the token spelling agrees."""
    from toolchain import require, run

    defines = (
        "#define __stringify_1(x...) #x\n#define __stringify(x...) __stringify_1(x)\n"
        "#define __PASTE(a, b) a##b\n#define ID(fn) __PASTE(__, __PASTE(fn, 6))\n"
        "#define SEC(s, id) #s \".init\" #id\n#define D(fn, id) static int ID(fn) __attribute__((section(SEC(.x, id)))) = fn\n"
    )
    text = "D(probe, 6s);"
    source = tmp_path / "e.c"
    source.write_text(defines + text + "\n")
    gcc = require("gcc")
    lines = [l for l in run([gcc, "-E", "-P", str(source)]).stdout.splitlines() if l.strip()]
    theirs = "".join(lines[-1].split())
    ours, problems = expand(defines, text)
    assert "".join(ours.split()) == theirs and not problems


def test_five_hundred_deep_nesting_stops_at_the_depth_limit():
    lines = ["#define M0 end"] + [f"#define M{i} M{i - 1}" for i in range(1, 501)]
    start = time.perf_counter()
    out, problems = expand("\n".join(lines) + "\n", "M500")
    assert time.perf_counter() - start < 10
    assert out.startswith("M") and any(str(MAX_DEPTH) in p for p in problems)


def test_deep_but_allowed_nesting_expands_fully():
    lines = ["#define M0 end"] + [f"#define M{i} M{i - 1}" for i in range(1, 100)]
    out, problems = expand("\n".join(lines) + "\n", "M99")
    assert out == "end" and not problems


def test_mutual_recursion_through_arguments_terminates():
    out, problems = expand("#define A(x) B(x)\n#define B(x) A(x) x\n", "A(1)")
    assert out == "A(1) 1"


def test_exponential_growth_is_cut_with_a_problem():
    lines = ["#define A0 x"] + [f"#define A{i} A{i - 1} A{i - 1}" for i in range(1, 30)]
    table = {m.name: m for m in scan_directives(("\n".join(lines) + "\n").encode()).defines}
    expander = Expander(table.get, max_tokens=5000, max_steps=50_000)
    start = time.perf_counter()
    expander.expand(tokenize("A29"))
    assert time.perf_counter() - start < 10
    assert expander.problems


def test_unterminated_arguments_leave_the_name_and_say_so():
    out, problems = expand("#define F(x) x\n", "F(1, 2")
    assert out.startswith("F") and problems


def test_directives_inside_block_comments_are_prose():
    """net/atm/lec.c comments out '#define pr_debug printk'; qla1280.c's changelog mentions '#ifdef ...'."""
    text = (b"/*\n"
            b" * history: wrapped calls in\n"
            b"  #ifdef QL_DEBUG_LEVEL_3/#endif around ENTER()\n"
            b"  #define pr_debug printk\n"
            b" */\n"
            b'static const char *glob = "/*";\n'
            b"#define REAL 1\n"
            b"/* closed */ #define NOT_A_DIRECTIVE 2\n")
    found = scan_directives(text, "x.c")
    assert [d.name for d in found.defines] == ["REAL"]
    assert found.problems == []
    assert found.defines[0].line == 7
