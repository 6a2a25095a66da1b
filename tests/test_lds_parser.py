"""The ld script parser: the whole grammar, and bad input that must give a diagnostic, not a traceback."""

from __future__ import annotations

import subprocess
import time

import pytest

from kgclint.frontends.lds_file import parse as parse_file
from kgclint.inputs import SourceInput
from kgclint.lds import ast
from kgclint.lds.parser import MAX_DEPTH, parse

GRAMMAR = """\
OUTPUT_ARCH(i386:x86-64)
OUTPUT_FORMAT("elf64-x86-64", "elf64-x86-64", "elf64-x86-64")
ENTRY(_start)
INPUT(a.o b.o)
GROUP(libc.a AS_NEEDED(libm.so))
SEARCH_DIR(/usr/lib)
EXTERN(sym1 sym2)
REGION_ALIAS(rom, ram)
NOCROSSREFS(.text .data)
FORCE_COMMON_ALLOCATION
MEMORY { ram (rwx) : ORIGIN = 0x1000, LENGTH = 64K  rom (rx) : org = 0, l = 1M }
PHDRS { text PT_LOAD FILEHDR PHDRS FLAGS(5); note PT_NOTE FLAGS(0); tls 7 AT(0x100); }
x = 1; x += 2; x -= 1; x *= 3; x /= 2; x <<= 1; x >>= 1; x &= 7; x |= 8; x ^= 1;
PROVIDE(p = 1); PROVIDE_HIDDEN(ph = 2); HIDDEN(h = 3);
SECTIONS
{
  . = SEGMENT_START("text-segment", 0x400000) + SIZEOF_HEADERS;
  .text ALIGN(4096) : AT(ADDR(.text) - 0x1000) SUBALIGN(16) {
    _text = .;
    KEEP(*(.head.text))
    *(.text.hot .text.hot.*)
    *(EXCLUDE_FILE(*crtend.o) .ctors)
    EXCLUDE_FILE(foo.o) *(.x)
    INPUT_SECTION_FLAGS(SHF_WRITE & !SHF_EXECINSTR) *(.y)
    KEEP(*(SORT_BY_NAME(SORT_BY_ALIGNMENT(.initcall*.init))))
    KEEP(*(SORT_BY_INIT_PRIORITY(.init_array.*) SORT_NONE(.init)))
    lib.a:m.o(.text)
    :plain.o(.text)
    foo.o
    *(.text.[0-9a-zA-Z_]*)
    BYTE(1) SHORT(2) LONG(3) QUAD(4) SQUAD(5) FILL(0x90)
    ASCIZ "hello"
    CREATE_OBJECT_SYMBOLS
    CONSTRUCTORS
    . = ALIGN(8);
    _etext = .;
  } >ram AT>rom :text = 0x9090,
  .bss (NOLOAD) : ONLY_IF_RW { *(.bss) *(COMMON) }
  .ro (READONLY) : { *(.ro) }
  .info (INFO) : { *(.comment) }
  .typed (TYPE = SHT_PROGBITS) : { *(.typed) }
  OVERLAY 0xffff0000 : NOCROSSREFS AT(__vectors_lma) {
     .vectors { KEEP(*(.vectors)) } :text
     .stubs { *(.stubs) } = 0
  } >ram
  x = a ? b : (c << 2) | ~d & !e ^ f % 3;
  y = DEFINED(z) ? ABSOLUTE(LOADADDR(.text)) : MAX(MIN(1, 2), LOG2CEIL(5)) + ALIGNOF(.text) + CONSTANT(MAXPAGESIZE);
  . = ASSERT(SIZEOF(.note.gnu.build-id) >= 0, "bad");
  ASSERT(_etext > _text, "empty")
  .note.gnu.build-id : { *(.note.gnu.build-id) }
  /DISCARD/ : { *(.discard) *(.exit.text) }
}
INSERT AFTER .text;
VERSION { V1 { global: foo; local: *; }; }
"""


def test_whole_grammar_parses_without_diagnostics():
    result = parse(GRAMMAR, "all.lds")
    assert result.diagnostics == []
    names = [type(c).__name__ for c in result.script.commands]
    assert names.count("Sections") == 1 and "Memory" in names and "Phdrs" in names
    sections = next(c for c in result.script.commands if isinstance(c, ast.Sections))
    text = next(c for c in sections.commands if isinstance(c, ast.OutputSection) and c.name == ".text")
    assert (text.region, text.lma_region, text.phdrs) == ("ram", "rom", ("text",))
    assert isinstance(text.fill, ast.Number) and text.fill.value == 0x9090
    inputs = [c for c in text.commands if isinstance(c, ast.InputSection)]
    assert [i.keep for i in inputs][:2] == [True, False]
    ctors = inputs[2]
    assert ctors.sections[0].exclude_files == ("*crtend.o",)
    assert inputs[3].exclude_files == ("foo.o",)
    assert inputs[4].flags == ("SHF_WRITE", "!SHF_EXECINSTR")
    assert inputs[5].sections[0].sort == ("SORT_BY_NAME", "SORT_BY_ALIGNMENT")
    assert [i.file for i in inputs[7:10]] == ["lib.a:m.o", ":plain.o", "foo.o"]
    assert inputs[9].sections == ()
    types = {c.name: c.type for c in sections.commands if isinstance(c, ast.OutputSection)}
    assert types[".bss"] == "NOLOAD" and types[".ro"] == "READONLY" and types[".typed"] == "TYPE = SHT_PROGBITS"
    overlay = next(c for c in sections.commands if isinstance(c, ast.Overlay))
    assert overlay.nocrossrefs and [s.name for s in overlay.sections] == [".vectors", ".stubs"]
    assert overlay.sections[0].phdrs == ("text",)
    ops = [c.op for c in result.script.commands if isinstance(c, ast.Assignment) and c.target == "x"]
    assert ops == ["=", "+=", "-=", "*=", "/=", "<<=", ">>=", "&=", "|=", "^="]
    provides = {c.target: c.provide for c in result.script.commands if isinstance(c, ast.Assignment) and c.provide}
    assert provides == {"p": "PROVIDE", "ph": "PROVIDE_HIDDEN", "h": "HIDDEN"}
    commands = {c.name: c.args for c in result.script.commands if isinstance(c, ast.Command)}
    assert commands["OUTPUT_ARCH"] == ("i386:x86-64",) and commands["INSERT"] == ("AFTER", ".text")
    assert commands["GROUP"] == ("libc.a", "AS_NEEDED", "libm.so")


def test_syntax_error_names_file_line_and_what_was_expected_and_the_rest_still_parses():
    text = "SECTIONS {\n  .a : { *(.a) }\n  .b : { *(.b) \n  x = ;\n  }\n  .c : { *(.c) }\n}\n"
    result = parse(text, "bad.lds")
    assert result.diagnostics, "a syntax error must be reported"
    first = result.diagnostics[0]
    assert first.location.path == "bad.lds" and first.location.line == 4
    assert "expected an expression" in first.message
    sections = result.script.commands[0]
    assert [s.name for s in sections.commands] == [".a", ".b", ".c"]


def test_missing_semicolon_after_assignment_is_reported():
    result = parse("SECTIONS { .a : { __x = . } }", "s.lds")
    assert any("expected ';' after assignment to '__x'" in d.message for d in result.diagnostics)


def test_unknown_command_is_a_diagnostic_and_parsing_goes_on():
    result = parse("FROBNICATE(1, 2)\nENTRY(start)\nFOO { bar }\nSECTIONS { .a : { *(.a) } }\n", "u.lds")
    messages = [d.message for d in result.diagnostics]
    assert any("unknown command 'FROBNICATE'" in m for m in messages)
    assert any("unknown command 'FOO'" in m for m in messages)
    kinds = [type(c).__name__ for c in result.script.commands]
    assert "Command" in kinds and "Sections" in kinds


def test_include_is_spliced_and_loops_are_reported():
    files = {
        "a.lds": "SECTIONS { INCLUDE b.lds .a : { *(.a) } }",
        "b.lds": ".b : { *(.b) } INCLUDE c.lds",
        "c.lds": "INCLUDE b.lds .c : { *(.c) }",
    }

    def resolver(name, including):
        if name not in files:
            return None
        return files[name], name, lambda line, col: __import__("kgclint.location").location.Location(name, line, col)

    result = parse(files["a.lds"], "a.lds", resolver=resolver)
    names = [s.name for s in result.script.commands[0].commands]
    assert names == [".b", ".c", ".a"]
    loop = [d for d in result.diagnostics if "INCLUDE loop" in d.message]
    assert loop and "b.lds -> c.lds -> b.lds" in loop[0].message and loop[0].location.path == "c.lds"


def test_include_of_a_missing_file_is_a_diagnostic():
    result = parse("INCLUDE nothere.lds\n", "m.lds", resolver=lambda name, here: None)
    assert result.diagnostics and "cannot find" in result.diagnostics[0].message


def test_fifty_thousand_line_script_parses_quickly():
    body = "".join(
        f"  .s{i} : {{\n    __s{i}_start = .;\n    KEEP(*(.s{i}))\n    __s{i}_end = .;\n  }}\n" for i in range(10000)
    )
    text = "SECTIONS\n{\n" + body + "}\n"
    assert text.count("\n") >= 50000
    start = time.monotonic()
    result = parse(text, "big.lds")
    elapsed = time.monotonic() - start
    assert result.diagnostics == []
    assert len(result.script.commands[0].commands) == 10000
    assert elapsed < 30, elapsed


def test_deep_nesting_is_bounded():
    deep = "(" * (MAX_DEPTH * 5) + "1" + ")" * (MAX_DEPTH * 5)
    result = parse(f"x = {deep};\ny = 2;\n", "deep.lds")
    assert any("nested more than" in d.message for d in result.diagnostics)
    assert any(isinstance(c, ast.Assignment) and c.target == "y" for c in result.script.commands)
    unary = "-" * 100000 + "1"
    result = parse(f"x = {unary};", "neg.lds")
    assert any("nested more than" in d.message for d in result.diagnostics)


@pytest.mark.parametrize("text", [
    "SECTIONS {", "SECTIONS { .a : {", "SECTIONS { .a : { KEEP(*(.a) }", "/* unterminated", '"open',
    "SECTIONS { .a : { *(.a) } } }", "}}}}", "((((", "ENTRY(", "MEMORY { r : ORIGIN = }", "PHDRS { t PT_LOAD",
    "OVERLAY : { }", "\x01\x02\x03", "SECTIONS { .a 0x : { } }", "x = 09;",
])
def test_garbage_gives_diagnostics_not_exceptions(text):
    result = parse(text, "g.lds")
    assert result.diagnostics, text
    assert all(d.location.path == "g.lds" and d.location.line >= 1 for d in result.diagnostics)


def test_front_end_reports_binary_and_bad_utf8_and_syntax():
    binary = parse_file(SourceInput("arch/x/a.lds", b"\x7fELF\0\0\0", "x"))
    assert binary.diagnostics and "binary" in binary.diagnostics[0].message
    latin = parse_file(SourceInput("arch/x/b.lds", b"SECTIONS { .a : { *(.\xe9) } }", "x"))
    assert any("UTF-8" in d.message for d in latin.diagnostics)
    bad = parse_file(SourceInput("arch/x/c.lds", b"SECTIONS {\n .a : { *(.a) \n", "x"))
    assert bad.diagnostics and bad.diagnostics[-1].location.path == "arch/x/c.lds"
    source = parse_file(SourceInput("arch/x/d.lds.S", b"#include <asm/vmlinux.lds.h>\n#define X 1\nSECTIONS { X }", "x"))
    assert source.needs_cpp and source.includes == ("asm/vmlinux.lds.h",) and source.defines == ("X",)
    assert source.diagnostics == ()


HASH_COMMENTS = """SECTIONS
{
# a whole line ))) (((
  .text : { *(.text # inside a pattern list )))
             .text.*) }   # after a statement
    # indented
  . = ALIGN(8); # after an assignment (((
  .data : { *(.data) }
}
"""


@pytest.mark.parametrize("linker", ["ld", "ld.lld"])
def test_hash_starts_a_comment_to_the_end_of_the_line_as_in_both_linkers(tmp_path, linker):
    """GNU ld and lld skip '#' to the end of the line anywhere outside a string (m68k's vmlinux-std.lds has
    cpp lines in a plain .lds): both link the script, and fail once the comment text is not commented out."""
    from toolchain import compile_c, require, run

    source = tmp_path / "s.c"
    source.write_text("void _start(void) {}\nint value = 1;\n")
    obj = compile_c(source, tmp_path / "s.o")
    script = tmp_path / "h.lds"
    script.write_text(HASH_COMMENTS)
    run([require(linker), "-T", str(script), str(obj), "-o", str(tmp_path / "out")])
    script.write_text(HASH_COMMENTS.replace("#", ""))
    assert subprocess.run([require(linker), "-T", str(script), str(obj), "-o", str(tmp_path / "bad")],
                          capture_output=True).returncode != 0
    result = parse(HASH_COMMENTS, "h.lds")
    assert result.diagnostics == []
    sections = next(c for c in result.script.commands if isinstance(c, ast.Sections))
    text = next(c for c in sections.commands if isinstance(c, ast.OutputSection) and c.name == ".text")
    patterns = [s.pattern for i in text.commands if isinstance(i, ast.InputSection) for s in i.sections]
    assert patterns == [".text", ".text.*"]


def test_a_plain_named_script_written_for_cpp_is_cpp_input():
    """m68k's vmlinux-std.lds: #include lines and macro calls; its vmlinux.lds.S includes it, cpp must run first."""
    fragment = b'#include <asm-generic/vmlinux.lds.h>\nSECTIONS\n{\n  RO_DATA(PAGE_SIZE)\n}\n'
    facts = parse_file(SourceInput("arch/m68k/kernel/vmlinux-std.lds", fragment, None))
    assert facts.needs_cpp and facts.diagnostics == () and facts.includes == ("asm-generic/vmlinux.lds.h",)
    guarded = b"#ifdef CONFIG_X\nSECTIONS { .x : { *(.x) } }\n#endif\n"
    assert parse_file(SourceInput("a.lds", guarded, None)).needs_cpp


def test_hash_prose_in_a_plain_script_is_only_a_comment():
    text = b"# define where the text goes\nSECTIONS { .text : { *(.text) } } # done\n"
    facts = parse_file(SourceInput("a.lds", text, None))
    assert not facts.needs_cpp and facts.diagnostics == ()
