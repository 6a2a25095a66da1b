"""KGC101, KGC102, KGC107: each claim about what GCC emits, proved with gcc and arm-linux-gnueabi-gcc."""

from __future__ import annotations

from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from kgclint.analysis.sections import SectionIndex
from kgclint.c.naming import compiler_namespace, kernel_spelling
from kgclint.frontends.c import parse
from kgclint.inputs import InputKind, SourceInput
from kgclint.project import Options, Project
from kgclint_rules.sources.compiler_namespace_section import CompilerNamespaceSection
from kgclint_rules.sources.compiler_section_name_collision import CompilerSectionNameCollision
from kgclint_rules.sources.unused_section_object import UnusedSectionObject
from toolchain import compile_c

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
ARCHES = ["x86_64", "arm"]


def sections_of(obj: Path) -> dict[str, int]:
    with obj.open("rb") as f:
        return {s.name: s["sh_size"] for s in ELFFile(f).iter_sections()}


def symbols_by_section(obj: Path) -> dict[str, set[str]]:
    with obj.open("rb") as f:
        elf = ELFFile(f)
        names = [s.name for s in elf.iter_sections()]
        out: dict[str, set[str]] = {}
        for sym in elf.get_section_by_name(".symtab").iter_symbols():
            if isinstance(sym["st_shndx"], int) and sym.name and not sym.name.startswith("$"):  # ARM mapping symbols
                out.setdefault(names[sym["st_shndx"]], set()).add(sym.name)
        return out


def project_of(case: Path, options: Options | None = None) -> Project:
    facts = [
        parse(SourceInput(p.relative_to(case).as_posix(), p.read_bytes(), None))
        for p in sorted(case.rglob("*.[ch]"))
    ]
    return Project(case, options or Options(), {InputKind.C: facts})


@pytest.mark.parametrize("arch", ARCHES)
def test_gcc_drops_unused_static_section_objects(tmp_path, arch):
    """The KGC101 claim: a static, unreferenced section object without ``used`` never reaches the .o."""
    src = tmp_path / "t.c"
    src.write_text(
        'static const int plain __attribute__((section("tab_plain"))) = 1;\n'
        'static const int hushed __attribute__((section("tab_hushed"), unused)) = 2;\n'
        'static const int kept __attribute__((section("tab_kept"), used)) = 3;\n'
        'int global __attribute__((section("tab_global"))) = 4;\n'
    )
    sections = sections_of(compile_c(src, tmp_path / "t.o", arch))
    assert "tab_plain" not in sections and "tab_hushed" not in sections
    assert "tab_kept" in sections and "tab_global" in sections


@pytest.mark.parametrize("arch", ARCHES)
def test_kgc101_findings_are_the_entries_gcc_drops(tmp_path, arch):
    """Compile the corpus case: the table loses exactly the entries KGC101 names."""
    case = CORPUS / "c-unused-section-object"
    source = case / "drivers/misc/quirks.c"
    obj = compile_c(source, tmp_path / "quirks.o", arch, flags=(f"-I{case / 'include'}",))
    kept = symbols_by_section(obj).get(".quirks", set())
    project = project_of(case)
    flagged = {f.message.split()[2] for f in UnusedSectionObject().check(project)}
    placed = {p.symbol for p in project.analysis(SectionIndex).by_section(".quirks")}
    assert flagged == {"forgotten", "hushed"}
    assert placed - flagged == kept, (placed, flagged, kept)


@pytest.mark.parametrize("arch", ARCHES)
def test_gcc_names_per_symbol_sections_as_naming_says(tmp_path, arch):
    """The compiler namespace kgclint assumes: .text.<f>, .text.unlikely.<f>, .data./.rodata./.bss.<o>."""
    src = tmp_path / "n.c"
    src.write_text(
        "int counter = 1;\nconst int table[2] = {1, 2};\nint zeroed;\n"
        "int hot_path(int x) { return x + counter + table[x] + zeroed; }\n"
        "__attribute__((cold)) int cold_path(int x) { return x * 3; }\n"
    )
    names = set(sections_of(compile_c(src, tmp_path / "n.o", arch)))
    expected = {".data.counter", ".rodata.table", ".bss.zeroed", ".text.hot_path", ".text.unlikely.cold_path"}
    assert expected <= names
    for name in expected:
        assert compiler_namespace(name) is not None
        assert compiler_namespace(kernel_spelling(name)) is None


@pytest.mark.parametrize("arch", ARCHES)
def test_kgc107_collision_is_one_section_name_in_both_objects(tmp_path, arch):
    """Compile both corpus files: the function's section and the custom one have the same name."""
    case = CORPUS / "c-name-collision"
    inc = f"-I{case / 'include'}"
    fn = sections_of(compile_c(case / "drivers/misc/hooks.c", tmp_path / "hooks.o", arch, flags=(inc,)))
    tab = sections_of(compile_c(case / "drivers/misc/hooktab.c", tmp_path / "hooktab.o", arch, flags=(inc,)))
    assert ".text.quirk_hook" in fn and ".text.quirk_hook" in tab
    findings = list(CompilerSectionNameCollision().check(project_of(case)))
    assert [(f.location.path, f.location.line) for f in findings] == [("drivers/misc/hooks.c", 4)]


def test_kgc102_fix_renames_the_literal(tmp_path):
    case = tmp_path / "case"
    (case / "drivers").mkdir(parents=True)
    source = case / "drivers" / "t.c"
    source.write_text('static const int e __attribute__((section(".data.tab"), used)) = 1;\n')
    findings = list(CompilerNamespaceSection().check(project_of(case)))
    assert len(findings) == 1 and findings[0].fix is not None
    edit = findings[0].fix.edits[0]
    data = source.read_bytes()
    fixed = data[:edit.start] + edit.text.encode() + data[edit.end:]
    source.write_bytes(fixed)
    assert b'".data..tab"' in fixed and not list(CompilerNamespaceSection().check(project_of(case)))
    assert ".data..tab" in sections_of(compile_c(source, tmp_path / "t.o"))


INDIRECT_CASE = {
    # a header's object is compiled into the file that includes it (here through another header)
    "drivers/x/table.h": 'static const int from_header[] __attribute__((section(".quirks"))) = { 1 };\n',
    "drivers/x/tables.h": '#include "table.h"\n',
    # macros from a header: their bodies name (or paste) what the file never spells
    "drivers/x/loaders.h": (
        "#define ROWS(n) (n##_rows)\n"
        "#define LOADERS() const int *load(void) { return counted; }\n"
    ),
    "drivers/x/x.c": (
        '#include "tables.h"\n'
        '#include "loaders.h"\n'
        '#define BOARD(n) static const int n##_rows[] __attribute__((section(".quirks"))) = { 2 }\n'
        'static const int anchor[] __attribute__((section(".quirks"), used)) = { 0 };\n'
        'static const int anchor2[] __attribute__((section(".quirks"), used)) = { 0 };\n'
        "BOARD(alpha);\n"
        'static const int counted[] __attribute__((section(".quirks"))) = { 3 };\n'
        'static const int forgotten[] __attribute__((section(".quirks"))) = { 4 };\n'
        "LOADERS()\n"
        "const int *use(int i) { return i ? ROWS(alpha) : from_header; }\n"
    ),
}


@pytest.mark.parametrize("arch", ARCHES)
def test_kgc101_counts_uses_through_macros_and_includers(tmp_path, arch):
    """Uses the file's text does not spell (a header's object used by its includer, a name pasted or
    spelled by another macro) keep an entry; gcc keeps exactly the entries KGC101 does not name.
    On Linux 6.12 these were 36 of 38 whole-tree findings (thinkpad_acpi, chromeos_laptop, cpu_specs_*.h)."""
    case = tmp_path / "case"
    for relpath, text in INDIRECT_CASE.items():
        (case / relpath).parent.mkdir(parents=True, exist_ok=True)
        (case / relpath).write_text(text)
    obj = compile_c(case / "drivers/x/x.c", tmp_path / "x.o", arch)
    kept = symbols_by_section(obj).get(".quirks", set())
    project = project_of(case)
    flagged = {f.message.split()[2] for f in UnusedSectionObject().check(project)}
    placed = {p.symbol for p in project.analysis(SectionIndex).by_section(".quirks")}
    assert flagged == {"forgotten"}
    assert placed == {"anchor", "anchor2", "from_header", "alpha_rows", "counted", "forgotten"}
    assert placed - flagged == kept, (placed, flagged, kept)
