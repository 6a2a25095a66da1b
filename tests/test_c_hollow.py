"""The hollowed view tree-sitter parses: bodies blanked, every offset kept, and only when the pairing is sure."""

from __future__ import annotations

import pytest

from kgclint.c.hollow import body_spans, hollowed
from kgclint.frontends.c import parse
from kgclint.inputs import SourceInput

SOURCE = b"""#define OPEN {
static const char *brace = "{";   /* { */
static char close = '}';
static int __init setup(void)
{
\tif (brace[0] == '{') { return 1; } // }
\treturn 0;
}
static struct ops table __section(".ops") = {
\t.setup = setup,
};
"""


def test_only_the_inside_of_top_level_pairs_is_blanked_and_offsets_stay():
    out = hollowed(SOURCE)
    assert len(out) == len(SOURCE)
    assert out.count(b"\n") == SOURCE.count(b"\n")
    # the directive, the literals and the comment hold braces that pair with nothing
    assert out.startswith(b'#define OPEN {\nstatic const char *brace = "{";   /* { */\nstatic char close = \'}\';\n')
    assert b"return" not in out and b".setup" not in out
    assert b"static int __init setup(void)\n{\n" in out
    assert b"static struct ops table __section(\".ops\") = {\n" in out
    assert len(body_spans(SOURCE)) == 2


@pytest.mark.parametrize("source", [
    b"int f(void) {\n",                                         # never closed
    b"}\nint x;\n",                                              # closes nothing
    b"#ifdef A\nint f(int a) {\n#else\nint f(void) {\n#endif\n\treturn 0;\n}\n",    # head per branch
    b"void f(void)\n{\n#if A\n\tif (a) {\n#else\n\th();\n#endif\n\t}\n}\n",         # one branch moves depth
    b"void f(void)\n{\n#if A\n\tif (a) {\n#endif\n\tg();\n\t}\n}\n",               # so does a lone #if
    b"void f(void)\n{\n#if A\n}\nvoid g(void)\n{\n#else\n}\n#endif\n",              # closes the body in a branch
])
def test_pairing_that_depends_on_the_configuration_blanks_nothing(source):
    assert body_spans(source) is None
    assert hollowed(source) == source


def test_branches_that_each_balance_are_hollowed():
    source = b"void f(void)\n{\n#ifdef A\n\tif (a) { g(); }\n#else\n\th();\n#endif\n}\n"
    assert body_spans(source) == [(source.index(b"{") + 1, source.rindex(b"}"))]


def test_branches_that_each_open_one_brace_pair_alike():
    """drivers/net/ethernet/natsemi/ns83820.c: ``#ifdef`` / ``if (a) {`` / ``#else`` / ``if (b) {`` / ``#endif``
    pairs the same in either configuration; unhollowed, tree-sitter lost every item after it."""
    source = (b"void f(void)\n{\n#ifdef A\n\tif (a) {\n#elif B\n\tif (b) {\n#else\n\tif (c) {\n#endif\n"
              b"\t\tg();\n\t}\n}\nint x;\n")
    assert body_spans(source) == [(source.index(b"{") + 1, source.rindex(b"}"))]


def test_facts_are_read_from_the_original_text():
    facts = parse(SourceInput("drivers/x.c", SOURCE, None))
    heads = [item.text for item in facts.items]
    assert heads == ["static int __init setup(void)", 'static struct ops table __section(".ops")']
    assert {(d.name, d.kind) for d in facts.definitions} >= {("setup", "function"), ("table", "object")}


@pytest.mark.kernel
def test_items_after_an_initializer_tree_sitter_cannot_parse_are_found(linux_tree):
    """drivers/soc/renesas/renesas-soc.c: unhollowed, tree-sitter makes lines 1-572 one ERROR node and
    the ``__initconst`` objects after the ``#ifdef``-filled match table were lost."""
    path = "drivers/soc/renesas/renesas-soc.c"
    facts = parse(SourceInput(path, (linux_tree / path).read_bytes(), None))
    lines = {item.line: item.text for item in facts.items}
    for name in ("id_bsid", "id_rzg2l", "id_rzv2h", "id_prr"):
        assert any(text.endswith(f"struct renesas_id {name} __initconst") for text in lines.values()), name
