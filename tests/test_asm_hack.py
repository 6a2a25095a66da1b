"""The asm-comment section hack: GCC's line, the assembler's reading, clang's section name.

``gcc_view`` is checked against objects compiled by gcc and arm gcc for each
spelling; ``asm_comment_hacks`` against the assembler; and clang (Debian
package ``clang``) shows that it keeps the whole attribute string as the
section name instead.
"""

from __future__ import annotations

import subprocess

import pytest
from elftools.elf.elffile import ELFFile

from kgclint.asm.hack import asm_comment_hacks, gcc_line, gcc_view
from kgclint.asm.scanner import scan
from test_asm_helpers import assemble, elf_sections
from toolchain import require, try_compile

SPELLINGS = (
    '.hack,"a",@note #',
    '.hack,"a",%note @',
    '.hack,"a",%note //',
    '.hack,"a",@progbits #',
    '.hack #',
    '.hack,"a"',
    ".plain",
)
SHAPES = {
    "function": ("function", False, "__attribute__((section(S))) void f(void) {}"),
    "const": ("object", True, "__attribute__((used, section(S))) static const char e[] = \"x\";"),
    "var": ("object", False, "__attribute__((used, section(S))) static char e[] = \"x\";"),
}


def _c_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.mark.parametrize("target", ["x86_64", "arm"])
@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_gcc_view_is_what_gcc_and_the_assembler_make(tmp_path, target, shape, spelling):
    what, const, code = SHAPES[shape]
    source = tmp_path / "h.c"
    source.write_text(code.replace("S", _c_string(spelling)) + "\n")
    arch = "x86" if target == "x86_64" else target
    view = gcc_view(spelling, arch, what, const)
    done = try_compile(source, tmp_path / "h.o", arch=target, flags=("-fno-pie",))
    assert (done.returncode != 0) == view.rejected, (view, done.stderr)
    if done.returncode != 0:
        assert "junk at end of line" in done.stderr
        return
    sections = elf_sections(tmp_path / "h.o")
    assert view.name in sections
    assert sections[view.name] == view.attrs
    # and the line kgclint models is the one GCC wrote
    asm = subprocess.run([require({"x86_64": "gcc", "arm": "arm-linux-gnueabi-gcc"}[target]), "-S", "-O2",
                          "-fno-pie", str(source), "-o", "-"], capture_output=True, text=True, check=True).stdout
    assert gcc_line(spelling, arch, what, const).replace("\t", " ") in asm.replace("\t", " ")


@pytest.mark.parametrize("target", ["x86_64-linux-gnu", "arm-linux-gnueabi"])
def test_clang_keeps_the_whole_string_as_the_section_name(tmp_path, target):
    clang = require("clang")
    source = tmp_path / "h.c"
    spelling = '.hack,"a",@note #'
    source.write_text(f'__attribute__((used, section({_c_string(spelling)}))) static const char e[] = "x";\n')
    obj = tmp_path / "h.o"
    subprocess.run([clang, f"--target={target}", "-c", "-O2", str(source), "-o", str(obj)],
                   capture_output=True, text=True, check=True)
    with obj.open("rb") as handle:
        names = {s.name for s in ELFFile(handle).iter_sections()}
    assert spelling in names and ".hack" not in names
    assert gcc_view(spelling, "x86").name == ".hack"


def test_hack_in_inline_asm_text_is_found_and_the_assembler_agrees(tmp_path):
    text = '.pushsection .hack,"a",@note #,"aw"\n.long 1\n.popsection'
    done = assemble("x86", text, tmp_path)
    assert done.returncode == 0
    [(location, string, explanation)] = asm_comment_hacks(scan(text, path="f.c", arch="x86", origin="inline-asm"))
    assert string == '.hack,"a",@note #'
    assert done.sections[".hack"].type == "note" and '"a",@note' in explanation
    assert location.line == 1


def test_arm_spelling_in_asm_text(tmp_path):
    text = '.section .hack,"a",%note @,"aw",%progbits\n.long 1'
    done = assemble("arm", text, tmp_path)
    assert done.returncode == 0 and done.sections[".hack"].type == "note"
    [(_, string, _)] = asm_comment_hacks(scan(text, path="a.S", arch="arm"))
    assert string == '.hack,"a",%note @'


def test_plain_comment_after_a_directive_is_not_the_hack():
    assert asm_comment_hacks(scan('.section .x,"a" # the table', path="a.S", arch="x86")) == []
    assert asm_comment_hacks(scan('.section .x,"a" @ keep me', path="a.S", arch="arm")) == []
