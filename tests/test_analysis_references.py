"""The inverted reference index and the linker-script view's questions answered from it."""

from __future__ import annotations

from dataclasses import replace

from kgclint.analysis.references import ReferenceIndex
from kgclint.engine import build_project
from kgclint.inputs import InputKind
from kgclint.lds.sources import SourceView
from kgclint.location import Location
from kgclint.placement import SectionPlacement
from kgclint.project import Options

FILES = {
    "drivers/a.c": "extern int shared_thing;\nint use_a(void) { return shared_thing + local_a; }\n",
    "drivers/b.c": "extern int shared_thing;\n\n\nint use_b(void)\n{\n\treturn shared_thing;\n}\n",
    "kernel/only.c": "static int lonely;\nint get(void) { return lonely + __start_mytable; }\n",
    "arch/x86/kernel/entry.S": "\t.text\n\tcall asm_callee\n\tmovl __stop_mytable, %eax\n",
}


def _project(tmp_path):
    for rel, text in FILES.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return build_project(tmp_path, [tmp_path], Options(), {InputKind.C, InputKind.ASM})


def test_index_gives_the_files_naming_each_identifier_in_path_order(tmp_path):
    index = _project(tmp_path).analysis(ReferenceIndex)
    assert index.files("shared_thing") == ("drivers/a.c", "drivers/b.c")
    assert index.files("__start_mytable") == ("kernel/only.c",)
    assert index.files("asm_callee") == ("arch/x86/kernel/entry.S",)
    assert index.files("__stop_mytable") == ("arch/x86/kernel/entry.S",)
    assert index.files("nobody_says_this") == ()
    assert "shared_thing" in index and "nobody_says_this" not in index
    # a name used only where it is defined is no reference
    assert "use_a" not in index and "lonely" in index


def test_every_name_in_any_file_is_in_the_index(tmp_path):
    project = _project(tmp_path)
    index = project.analysis(ReferenceIndex)
    expected: set[str] = set()
    for facts in project.facts(InputKind.C):
        expected |= facts.references
    for facts in project.facts(InputKind.ASM):
        expected |= facts.symbol_refs
    assert set(index) == expected and len(index) == len(expected)


def test_source_view_finds_first_use_per_file_and_reads_the_patched_text(tmp_path):
    project = _project(tmp_path)
    view = SourceView(project)
    assert view.referencing("shared_thing") == (Location("drivers/a.c", 1), Location("drivers/b.c", 1))
    # patch mode: the view reads the run's content of a file, not the disk's
    patched = replace(project, overlay={"drivers/b.c": b"int x;\n\n\nint y = shared_thing;\n"})
    assert SourceView(patched).referencing("shared_thing")[1] == Location("drivers/b.c", 4)


def test_named_elsewhere_looks_past_the_placing_file(tmp_path):
    view = SourceView(_project(tmp_path))
    here = SectionPlacement(section=".x", symbol="shared_thing", what="object", location=Location("drivers/a.c", 1))
    alone = SectionPlacement(section=".x", symbol="lonely", what="object", location=Location("kernel/only.c", 1))
    assert view.named_elsewhere(here)
    assert not view.named_elsewhere(alone)
    assert view.named(alone)
