"""The section attribute models of kgclint.asm.attrs, proved against the real assembler and GCC."""

from __future__ import annotations

import pytest

from kgclint.asm.attrs import as_default, asm_attrs, gcc_attrs, type_name
from test_asm_helpers import ASSEMBLERS, assemble, elf_sections
from toolchain import compile_c

NAMES = (
    ".text", ".text.f", ".text..ftrace", ".textish", ".data", ".data..percpu", ".data.rel.ro",
    ".data.rel.ro.x", ".rodata", ".rodata..c_jump_table", ".bss", ".bss..page_aligned", ".note",
    ".note.Linux", ".notes", ".init", ".init.text", ".init.data", ".fini", ".init_array", ".init_array.1",
    ".fini_array", ".preinit_array", ".tdata", ".tbss", ".noinit", "__ex_table", "__ksymtab_strings",
    ".discard.addressable", ".ref.text", ".head.text",
)


@pytest.mark.parametrize("arch", sorted(ASSEMBLERS))
def test_flagless_sections_get_the_modelled_defaults(tmp_path, arch):
    text = "\n".join(f".section {name}" for name in NAMES)
    done = assemble(arch, text, tmp_path)
    assert done.returncode == 0, done.stderr
    wrong = {name: (as_default(name), done.sections[name]) for name in NAMES if as_default(name) != done.sections[name]}
    assert not wrong


@pytest.mark.parametrize("arch", ["x86", "arm"])
def test_explicit_flags_and_type(tmp_path, arch):
    prefix = "%" if arch == "arm" else "@"
    written = [
        ("t1", "a", f"{prefix}note"), ("t2", "aw", f"{prefix}nobits"), ("t3", "ax", None),
        (".note.t4", "a", None), (".bss.t5", "aw", None), ("t6", "aR", f"{prefix}progbits"),
    ]
    text = "\n".join(
        f'.section {name},"{flags}"' + (f",{stype}" if stype else "") for name, flags, stype in written
    )
    done = assemble(arch, text, tmp_path)
    assert done.returncode == 0, done.stderr
    for name, flags, stype in written:
        assert asm_attrs(name, flags, stype) == done.sections[name], name


def test_flagless_directive_inherits():
    assert asm_attrs("x", None, None) is None


def test_type_names():
    assert type_name("@progbits") == "progbits"
    assert type_name("%note") == "note"
    assert type_name('"nobits"') == "nobits"
    assert type_name(None) is None


PLACED = (
    ("s_func", "function", False, "__attribute__((section(\"s_func\"))) void f(void) {}"),
    ("s_const", "object", True, "__attribute__((section(\"s_const\"))) const int c = 1;"),
    ("s_ptr", "object", True, "int v2 = 1; __attribute__((section(\"s_ptr\"))) const int *const p = &v2;"),
    ("s_var", "object", False, "__attribute__((section(\"s_var\"))) int v = 1;"),
    ("s_zero", "object", False, "__attribute__((section(\"s_zero\"))) int z;"),
    (".bss.s", "object", False, "__attribute__((section(\".bss.s\"))) int b;"),
    (".note.s", "object", True, "__attribute__((section(\".note.s\"))) const int n = 1;"),
    (".rodata.s", "object", False, "__attribute__((section(\".rodata.s\"))) int rw = 2;"),
    (".init_array.s", "object", False, "void g(void) {} __attribute__((section(\".init_array.s\"))) void (*ia)(void) = g;"),
    ("s_retain", "object", False, "__attribute__((section(\"s_retain\"), retain)) int r = 3;"),
)


@pytest.mark.parametrize("target", ["x86_64", "arm"])
@pytest.mark.parametrize(("name", "what", "const", "code"), PLACED, ids=[p[0] for p in PLACED])
def test_gcc_model_matches_what_gcc_emits(tmp_path, target, name, what, const, code):
    """Kernel code is not PIE: GCC then makes a const object with relocations read-only too."""
    source = tmp_path / "p.c"
    source.write_text(code + "\n")
    obj = compile_c(source, tmp_path / "p.o", arch=target, flags=("-fno-pie",))
    made = elf_sections(obj)
    assert gcc_attrs(name, what, const, retain="retain" in code) == made[name]
