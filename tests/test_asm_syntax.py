"""The scanner's per-arch syntax, proved against each arch's real GNU assembler.

Every case is assembled; where the assembler accepts it, the sections the
scanner predicts (names, flags, type) must be exactly the sections in the
object beyond an empty file's. Where it rejects a line because a character
is not a comment there, the scanner must not have taken it for one either.
No expectation is written by hand: the assembler decides.
"""

from __future__ import annotations

import pytest

from kgclint.asm.scanner import scan
from kgclint.asm.syntax import known_arches, syntax_for
from test_asm_helpers import ASSEMBLERS, assemble, baseline, predicted

ARCHES = sorted(ASSEMBLERS)
NOT_COMMENTS = ("#", "@", "//", "!", "|")


def _cases(arch: str) -> list[tuple[str, str]]:
    syntax = syntax_for(arch)
    cases = [
        ("separator", f'.section x1,"a" {syntax.separator} .section x2,"aw"'),
        ("block comment", '.section x1,"a" /* ; .section z9,"a" */ ; .section x2,"ax"'),
        ("block comment over lines", '.section x1,"a"\n/* .section z9,"a"\n.section z8,"a" */\n.section x2,"aw"'),
        ("string keeps specials", '.section "q;#@//x","a"'),
        ("flagless known name", ".section .rodata.k\n.section .bss.k\n.section .note.k\n.section .text.k"),
        ("flagless unknown name", ".section plain"),
        ("pushsection subsection", '.pushsection x1, 1, "aw"\n.long 1\n.popsection'),
        ("previous then a statement", '.section x1,"a"\n.previous .section x2,"aw"'),
        ("popsection then a statement", '.pushsection x1,"a"\n.popsection .section x2,"aw"'),
        ("linked-to", '.text\n.section x1,"ao",@progbits,.text'.replace("@", syntax.type_prefixes[0])),
        ("group", '.section x1,"aG",@progbits,grp,comdat'.replace("@", syntax.type_prefixes[0])),
    ]
    for comment in syntax.comment:
        cases.append((f"comment {comment}", f'.section x1,"a" {comment} .section z9,"a"\n.section x2,"aw"'))
        cases.append((f"comment {comment} hides separator", f'.section x1,"a" {comment} ; .section z9,"a"'))
    for char in syntax.line_comment:
        cases.append((f"line comment {char}", f'   {char} .section z9,"a"\n.section x1,"a"'))
        cases.append((f"line comment {char} after separator", f'.section x1,"a" ; {char} .section z9,"a"'))
    for prefix in "@%":
        cases.append((f"type prefix {prefix}", f'.section x1,"a",{prefix}note\n.section x2,"aw",{prefix}nobits'))
    return cases


def _pairs() -> list[tuple[str, str, str]]:
    return [(arch, label, text) for arch in ARCHES for label, text in _cases(arch)]


@pytest.mark.parametrize(("arch", "label", "text"), _pairs(), ids=[f"{a}-{l}" for a, l, _ in _pairs()])
def test_scanner_predicts_what_the_assembler_makes(tmp_path, arch, label, text):
    done = assemble(arch, text, tmp_path)
    result = scan(text, path="t.s", arch=arch)
    if done.returncode != 0:
        # the only rejections here are a type prefix that is a comment character (the
        # type is cut off, leaving a dangling comma): the scanner must cut it too
        assert label.startswith("type prefix"), done.stderr
        prefix = label[-1]
        assert prefix not in syntax_for(arch).type_prefixes
        assert "junk at end of line" in done.stderr
        assert all(s.section_type is None for s in result.switches)
        return
    made = {
        name: attrs for name, attrs in done.sections.items()
        if name not in baseline(arch, tmp_path) and not attrs.type.startswith("SHT_")
    }
    assert result.diagnostics == ()
    assert predicted(result) == made, done.stderr


@pytest.mark.parametrize(("arch", "char"), [
    # PA-RISC's '!' ends a statement instead: the "separator" case proves it
    (arch, char) for arch in ARCHES for char in NOT_COMMENTS if char != syntax_for(arch).separator
])
def test_characters_that_do_not_comment_are_kept(tmp_path, arch, char):
    """Mid-line, a character is either a comment for the assembler and the scanner, or for neither."""
    text = f'.section x1,"a" {char} .section z9,"a"'
    done = assemble(arch, text, tmp_path)
    result = scan(text, path="t.s", arch=arch)
    scanner_says_comment = result.switches[0].hidden is not None
    if done.returncode == 0:
        made = set(done.sections) - baseline(arch, tmp_path)
        assert made == {"x1"}, done.stderr
        assert scanner_says_comment
    else:
        assert "junk at end of line" in done.stderr or "Error" in done.stderr
        assert not scanner_says_comment


def test_every_modelled_arch_is_proved():
    assert set(known_arches()) == set(ASSEMBLERS)


def test_unknown_arch_cuts_no_mid_line_comment():
    result = scan('.section x,"a" @ y # z', path="t.s", arch="m68k")
    assert result.switches[0].hidden is None


def test_cpp_strips_double_slash_comments_in_dot_S(tmp_path):
    """In a .S file cpp removes // comments before as sees them, even on x86 where as would reject them."""
    from toolchain import try_compile

    source = tmp_path / "c.S"
    text = '.section x1,"a" // .section z9,"a"\n#if 0\n.section z8,"a"\n#endif\n.section x2,"aw"\n'
    source.write_text(text)
    done = try_compile(source, tmp_path / "c.o", arch="x86_64")
    assert done.returncode == 0, done.stderr
    from test_asm_helpers import elf_sections

    made = set(elf_sections(tmp_path / "c.o"))
    result = scan(text, path="c.S", arch="x86", cpp=True)
    names = {s.section for s in result.switches}
    assert {"x1", "x2"} <= made and "z9" not in made and "z9" not in names
    # cpp removes the #if 0 branch; the scanner records it as a branch instead
    z8 = next(s for s in result.switches if s.section == "z8")
    assert z8.branch and result.conditionals[z8.branch[0][0]].conditions == ("#if 0",)


@pytest.mark.parametrize("arch", ARCHES)
def test_linked_to_and_group_are_the_objects(tmp_path, arch):
    """The ``o`` flag's section and the ``G`` flag's group, read where the assembler reads them."""
    from elftools.elf.elffile import ELFFile

    prefix = syntax_for(arch).type_prefixes[0]
    text = f'.text\n.section x1,"ao",{prefix}progbits,.text\n.section x2,"aG",{prefix}progbits,grp,comdat'
    done = assemble(arch, text, tmp_path)
    assert done.returncode == 0, done.stderr
    with (tmp_path / "t.o").open("rb") as handle:
        elf = ELFFile(handle)
        x1 = elf.get_section_by_name("x1")
        linked = elf.get_section(x1["sh_link"]).name
        group = next(s for s in elf.iter_sections() if s["sh_type"] == "SHT_GROUP")
        signature = elf.get_section(group["sh_link"]).get_symbol(group["sh_info"]).name
    switches = {s.section: s for s in scan(text, path="t.s", arch=arch).switches}
    assert switches["x1"].linked_to == linked
    assert switches["x2"].group == signature


_IMMEDIATE_CASES = {
    # arch: (text, names an immediate-looking operand spells)
    "x86": ("movl $imm_target, %eax\npushq $push_target\nmovl imm_mem, %eax", ("imm_target", "push_target")),
    "mips": ("addiu $sp, $sp, -8\nlw $ra, 4($sp)\nla $t0, mips_target", ("sp", "ra", "t0")),
}


@pytest.mark.parametrize("arch", sorted(_IMMEDIATE_CASES))
def test_symbols_behind_an_immediate_prefix_are_references_only_where_the_assembler_says(tmp_path, arch):
    """``$sym`` is a relocation against ``sym`` on x86 and a register on MIPS: the object's symbols decide."""
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection

    text, spelled = _IMMEDIATE_CASES[arch]
    done = assemble(arch, text, tmp_path)
    assert done.returncode == 0, done.stderr
    with (tmp_path / "t.o").open("rb") as handle:
        symtab = next(s for s in ELFFile(handle).iter_sections() if isinstance(s, SymbolTableSection))
        undefined = {sym.name for sym in symtab.iter_symbols() if sym.name and sym["st_shndx"] == "SHN_UNDEF"}
    refs = scan(text, path="t.s", arch=arch).symbol_refs
    assert undefined, "the case must make the assembler reference some symbol"
    assert undefined <= refs
    # a name behind the prefix is a reference exactly when the assembler made it a symbol
    assert {name for name in spelled if name in refs} == {name for name in spelled if name in undefined}
