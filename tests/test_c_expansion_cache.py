"""Item expansions shared by shape: items that paste ``__LINE__`` share one, and bans never bend a placement.

Symbol names are checked against the symbols gcc emits for the same file.
"""

from __future__ import annotations

from pathlib import Path

from elftools.elf.elffile import ELFFile

from kgclint.c import expander as expander_module
from kgclint.c.analysis import ITEM_TOKENS, LINE_MARK, MAX_OVERRUNS, ItemExpansions
from kgclint.frontends.c import parse
from kgclint.inputs import InputKind, SourceInput
from kgclint.project import Options, Project
from toolchain import compile_c

PASTE = "#define ___PASTE(a, b) a##b\n#define __PASTE(a, b) ___PASTE(a, b)\n"


def _expansions(tmp_path: Path, source: str, header: str = "") -> ItemExpansions:
    """The expansions of ``t.c``; ``header`` is a global header of the tree (``include/``), as kernel macros are."""
    files = {"t.c": source, "include/linux/t.h": header}
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    facts = [parse(SourceInput(path, text.encode(), None)) for path, text in files.items()]
    return Project(tmp_path, Options(), {InputKind.C: facts}).analysis(ItemExpansions)


def _placed(expansions: ItemExpansions) -> dict[str, tuple[int, str]]:
    return {d.name: (r.item.line, d.section) for r in expansions.items for d in r.declared if d.section}


def _gcc_symbols(tmp_path: Path, source: str) -> set[str]:
    src = tmp_path / "gcc.c"
    src.write_text(source)
    with compile_c(src, tmp_path / "gcc.o", "x86_64").open("rb") as f:
        return {sym.name for sym in ELFFile(f).get_section_by_name(".symtab").iter_symbols() if sym.name}


def test_items_pasting_their_line_share_one_expansion_and_keep_their_own_line(tmp_path, monkeypatch):
    header = PASTE + (
        "#define ENTRY(fn) static int (*__PASTE(__entry_, __PASTE(__LINE__, fn)))(void) "
        '__attribute__((used, section(".entries"))) = fn\n'
    )
    source = (
        "#include <linux/t.h>\n"
        "static int alpha(void) { return 1; }\n"
        "static int beta(void) { return 2; }\n"
        "ENTRY(alpha);\n"
        "ENTRY(beta);\n"
    )
    runs = []
    expand = expander_module.Expander.expand
    monkeypatch.setattr(expander_module.Expander, "expand", lambda self, tokens: runs.append(1) or expand(self, tokens))
    placed = _placed(_expansions(tmp_path, source, header))
    assert placed == {"__entry_4alpha": (4, ".entries"), "__entry_5beta": (5, ".entries")}
    assert len(runs) == 1, "both items are one shape: expanded once, each given its own line"
    same_lines = header + '#line 1 "t.c"\n' + source.replace("#include <linux/t.h>", "")
    assert set(placed) <= _gcc_symbols(tmp_path, same_lines)


def test_an_item_that_spells_the_line_mark_is_expanded_at_its_own_line(tmp_path):
    source = PASTE + (
        "#define TAG(v) static const long __PASTE(__PASTE(tag_, __LINE__), __PASTE(_, v)) "
        '__attribute__((used, section(".tags"))) = v\n'
        f"TAG({LINE_MARK});\n"
        "TAG(7);\n"
    )
    placed = _placed(_expansions(tmp_path, source))
    assert placed == {f"tag_4_{LINE_MARK}": (4, ".tags"), "tag_5_7": (5, ".tags")}
    assert set(placed) <= _gcc_symbols(tmp_path, source)


def _banning_prelude() -> str:
    """Macros that overrun the item limit without placing anything, so a shard bans them."""
    fan = "#define X10(t) t t t t t t t t t t\n#define XMANY(t) X10(X10(X10(X10(t))))\n"
    assert 10 ** 4 > ITEM_TOKENS
    return PASTE + fan + (
        '#define PLACE(s) __attribute__((section(s)))\n'
        "#define KEY(x) __PASTE(__key_, x)\n"
        "#define BOOM(n) XMANY(KEY(n)) PLACE\n"
    )


def test_a_banned_macro_is_still_expanded_where_an_item_places_something(tmp_path):
    overruns = "".join(f"BOOM(a{k});\n" for k in range(MAX_OVERRUNS))
    kept = 'static int KEY(real) __attribute__((used, section(".keys"))) = 1;\n'
    expansions = _expansions(tmp_path, _banning_prelude() + overruns + kept)
    assert sum(1 for r in expansions.items if r.problems) == MAX_OVERRUNS
    assert {name for name, (_line, section) in _placed(expansions).items() if section == ".keys"} == {"__key_real"}
    assert "__key_real" in _gcc_symbols(tmp_path, PASTE + "#define KEY(x) __PASTE(__key_, x)\n" + kept)


def test_names_inside_a_banned_generator_call_do_not_make_its_item_expanded(tmp_path):
    overruns = "".join(f"BOOM(a{k});\n" for k in range(MAX_OVERRUNS))
    later = "BOOM(int PLACE(\".inner\") b);\n"
    beside = "int PLACE(\".beside\") c;\n"
    expansions = _expansions(tmp_path, _banning_prelude() + overruns + later + beside)
    lines = {r.item.line for r in expansions.items}
    last = (_banning_prelude() + overruns).count("\n")
    assert last + 1 not in lines, "PLACE sits in the arguments of banned BOOM: the item is skipped"
    assert last + 2 in lines and _placed(expansions)["c"] == (last + 2, ".beside")
