"""ld's matching semantics in ScriptModel.place, each behaviour proved by the real linkers.

The expectations here are not written down: each test links a small object
with GNU ld and ld.lld (``--gc-sections --print-gc-sections``, and the
output's section table) and compares where the section went and whether it
survived with what ``place`` predicts.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from kgclint.lds.model import ScriptModel
from kgclint.lds.parser import parse
from kgclint.lds.wildcard import file_matches, matches
from toolchain import link_gc, require, run

SOURCE = """\
\t.section .tab.a, "a"
\t.quad 1
\t.section .tab.b, "a"
\t.quad 2
\t.section .text.x1, "ax"
\tret
\t.section .flagged, "aw"
\t.quad 3
\t.text
\t.globl _start
_start:
\tret
"""

SCRIPTS = {
    # first match wins, KEEP marks by pattern even after another description placed the section
    "keep-by-pattern": "ENTRY(_start) SECTIONS { .text : { *(.text) } .one : { *(.tab.a) } "
                       ".two : { KEEP(*(.tab.*)) } /DISCARD/ : { *(.note.GNU-stack) } }",
    # /DISCARD/ in the middle of the script takes what reaches it first
    "discard-in-order": "ENTRY(_start) SECTIONS { .text : { *(.text) } /DISCARD/ : { *(.tab.b) } "
                        ".tabs : { KEEP(*(.tab.*)) } }",
    # EXCLUDE_FILE keeps a file out of one description, the next takes it
    "exclude-file": "ENTRY(_start) SECTIONS { .text : { *(.text) } .one : { KEEP(*(EXCLUDE_FILE(*t.o) .tab.a)) } "
                    ".two : { KEEP(*(.tab.a)) } }",
    # wildcard classes
    "classes": "ENTRY(_start) SECTIONS { .text : { *(.text) *(.text.[!a-w]*) } .tabs : { KEEP(*(.tab.[ab])) } }",
    # INPUT_SECTION_FLAGS
    "flags": "ENTRY(_start) SECTIONS { .text : { *(.text) } .ro : { KEEP(INPUT_SECTION_FLAGS(!SHF_WRITE) *(.flagged)) } "
             ".rw : { KEEP(INPUT_SECTION_FLAGS(SHF_WRITE) *(.flagged)) } }",
}
FLAGS = {".tab.a": 0x2, ".tab.b": 0x2, ".text.x1": 0x6, ".flagged": 0x3}


@pytest.fixture(scope="module")
def obj(tmp_path_factory) -> Path:
    require("as")
    folder = tmp_path_factory.mktemp("match")
    (folder / "t.s").write_text(SOURCE)
    run(["as", str(folder / "t.s"), "-o", str(folder / "t.o")])
    return folder / "t.o"


def output_of(image: Path) -> dict[str, str]:
    """Input section → output section, read back by the contents' values (each .quad is unique)."""
    found = {}
    with image.open("rb") as stream:
        elf = ELFFile(stream)
        for section in elf.iter_sections():
            data = section.data() if section["sh_type"] != "SHT_NOBITS" else b""
            for name, value in ((".tab.a", 1), (".tab.b", 2), (".flagged", 3)):
                if value.to_bytes(8, "little") in data and section.name not in ("", ".symtab", ".strtab"):
                    found[name] = section.name
    return found


@pytest.mark.parametrize("linker", ["bfd", "lld"])
@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_place_agrees_with_the_linker(name: str, linker: str, obj: Path, tmp_path: Path) -> None:
    script = tmp_path / f"{name}.lds"
    script.write_text(SCRIPTS[name])
    result = link_gc([obj], script, tmp_path / "out", linker=linker)
    assert result.returncode == 0, result.stderr
    placed = output_of(tmp_path / "out")
    model = ScriptModel(parse(SCRIPTS[name], name).script, linker)
    for section, flags in FLAGS.items():
        predicted = model.place(str(obj), section, flags)
        dropped = ("t.o", section) in result.dropped
        if predicted is None:
            continue  # an orphan: placed by the linker's heuristics
        if predicted.discard:
            assert section not in placed, (section, placed)
            continue
        assert dropped == (not predicted.keep), (section, predicted, result.dropped)
        if not dropped and section in placed:
            assert placed[section] == predicted.output, (section, placed, predicted)


def test_wildcards_follow_fnmatch_without_pathname():
    assert matches("*", "a/b/c.o") and matches("*c.o", "dir/c.o")
    assert matches(".text.[0-9a-zA-Z_]*", ".text.foo") and not matches(".text.[0-9a-zA-Z_]*", ".text..ftrace")
    assert matches(".x[!a]", ".xb") and matches(".x[^a]", ".xb") and not matches(".x[^a]", ".xa")
    assert matches(".a?c", ".abc") and not matches(".a?c", ".ac")
    assert matches(r".a\*", ".a*") and not matches(r".a\*", ".ab")


def test_archive_member_patterns():
    assert file_matches("lib.a:m.o", "lib.a:m.o")
    assert file_matches("*.a:", "x/lib.a:m.o")
    assert not file_matches(":m.o", "lib.a:m.o") and file_matches(":m.o", "m.o")
    assert not file_matches("lib.a:m.o", "m.o")
    assert file_matches("m.o", "lib.a:m.o")


def test_lld_rejects_keep_in_overlay_so_the_model_does_not_count_it():
    text = "SECTIONS { OVERLAY 0x1000 : { .v { KEEP(*(.v)) } } }"
    assert ScriptModel(parse(text, "o").script, "bfd").place("a.o", ".v").keep
    assert not ScriptModel(parse(text, "o").script, "lld").place("a.o", ".v").keep


def test_answers_shared_across_files_never_cross_a_file_pattern():
    """``place`` answers ``*(...)``-only sections once for all files; a file pattern or EXCLUDE_FILE keeps
    answers per file. Asked in every order, one model must answer as a fresh model does."""
    script = ("SECTIONS { .a : { *(.x.*) } .b : { foo.o(.y) } .c : { *(.y) } "
              ".d : { *(EXCLUDE_FILE(bar.o) .z.*) } .e : { *(.z.*) } }")
    questions = [(f, s) for s in (".x.1", ".y", ".z.1", ".w") for f in ("foo.o", "bar.o", "lib.a:foo.o", "")]

    def answer(model: ScriptModel, file: str, section: str):
        found = model.place(file, section)
        return None if found is None else (found.output, found.description.index if found.description else None)

    fresh = {q: answer(ScriptModel(parse(script, "t.lds").script), *q) for q in questions}
    assert fresh[("foo.o", ".y")][0] == ".b" and fresh[("bar.o", ".y")][0] == ".c"
    assert fresh[("foo.o", ".z.1")][0] == ".d" and fresh[("bar.o", ".z.1")][0] == ".e"
    for order in (questions, questions[::-1]):
        model = ScriptModel(parse(script, "t.lds").script)
        assert {q: answer(model, *q) for q in order} == fresh
