"""The C front-end: facts from kernel idioms, and bad input turned into diagnostics with a line."""

from __future__ import annotations

import pickle
import time

from kgclint.frontends.c import parse
from kgclint.inputs import SourceInput

KERNEL_IDIOMS = b"""#include <linux/init.h>
#include "local.h"
#define __section(s) __attribute__((__section__(s)))
#ifdef MODULE
#define probe_initcall(fn) module_init(fn)
#else
#define probe_initcall(fn) device_initcall(fn)
#endif
static int __init foo(void) { asm volatile(".pushsection .x,\\"a\\"\\n.popsection"); return 0; }
static const char x[] __initconst = "abc";
core_initcall(foo);
EXPORT_SYMBOL_GPL(x);
static int bar __section(".x.y") __used = 1;
static DEFINE_PER_CPU(int, cnt);
u32 plain;
int proto(void);
asm(".section .top,\\"a\\"\\n.previous");
"""


def facts_of(data: bytes, path: str = "drivers/x.c"):
    return parse(SourceInput(path, data, None))


def test_kernel_idioms():
    facts = facts_of(KERNEL_IDIOMS)
    assert not facts.diagnostics
    for head in ("static int __init foo", "core_initcall(foo)", "EXPORT_SYMBOL_GPL(x)", "static DEFINE_PER_CPU",
                 "static const char x[] __initconst", 'static int bar __section(".x.y") __used'):
        assert any(item.text.startswith(head) for item in facts.items), head
    assert not any(item.text.startswith(("u32 plain", "int proto")) for item in facts.items)
    defined = {(d.name, d.kind, d.storage) for d in facts.definitions}
    assert {("foo", "function", "static"), ("x", "object", "static"), ("bar", "object", "static"),
            ("plain", "object", "")} <= defined
    assert "proto" not in {d.name for d in facts.definitions}
    macros = {m.name: m for m in facts.defines}
    assert macros["__section"].params == ("s",)
    assert [m.conditions[-1] for m in facts.defines if m.name == "probe_initcall"] == ["+MODULE", "-MODULE"]
    assert [(i.name, i.system) for i in facts.includes] == [("linux/init.h", True), ("local.h", False)]
    assert [(a.line, a.top_level) for a in facts.asm] == [(9, False), (17, True)]
    assert "foo" in facts.references and "plain" not in facts.references
    pickle.loads(pickle.dumps(facts))


def test_non_utf8_is_a_diagnostic_with_its_line():
    facts = facts_of(b"int a;\n/* caf\xe9 */\nstatic int __init f(void) { return 0; }\n")
    assert [(d.location.line, "UTF-8" in d.message) for d in facts.diagnostics] == [(2, True)]
    assert any(i.text.startswith("static int __init f") for i in facts.items)


def test_binary_input_is_a_diagnostic():
    facts = facts_of(b"\x7fELF\0\0\0\1\2\3" * 100)
    assert len(facts.diagnostics) == 1 and facts.diagnostics[0].location.line == 1


def test_unbalanced_braces_give_file_and_line():
    facts = facts_of(b"int a;\n\nvoid f(void)\n{\n  if (a) {\n    a = 1;\n")
    assert facts.diagnostics and facts.diagnostics[0].location.path == "drivers/x.c"
    assert facts.diagnostics[0].location.line in (3, 4, 5) and "never closed" in facts.diagnostics[0].message


def test_braces_balanced_across_if_branches_are_fine():
    data = b"void f(int a)\n{\n#ifdef X\n  if (a) {\n#else\n  if (!a) {\n#endif\n    a++;\n  }\n}\n"
    assert not facts_of(data).diagnostics


def test_ten_megabyte_one_line_file_is_bounded():
    data = b"static int __init f(void) { return " + b"1 + " * (10 * 1024 * 1024 // 4) + b"1; }"
    start = time.perf_counter()
    facts = facts_of(data)
    assert time.perf_counter() - start < 60
    assert facts.path == "drivers/x.c"
    assert [d.location.line for d in facts.diagnostics] == [1]


def test_unterminated_comment_is_a_diagnostic():
    facts = facts_of(b"int a;\nint b;\n/* open " + b"x " * 10000)
    assert [(d.location.line, "never closed" in d.message) for d in facts.diagnostics] == [(3, True)]


def test_register_map_headers_skip_numeric_defines():
    data = b"".join(b"#define mmREG_%d 0x%x\n" % (i, i) for i in range(40000)) + b"#define KEEP_ME(x) x\n"
    facts = facts_of(data, "drivers/gpu/regs.h")
    assert [m.name for m in facts.defines] == ["KEEP_ME"] and not facts.diagnostics


DEFINES_WHAT_GCC_DEFINES = b"""/* What a file defines, as gcc's symbol table has it. */
enum reason {
/* if we get to the end, this is the reason */
	R_CONTINUE = 1,
#define ENUM(x) R_ ## x,
	R_QUEUED,
#undef ENUM
};

struct holder {
	int inner;
	struct { int deep; } nested;
} holder_one, *holder_ptr;

#define DEFINE_GETTER(type)						\\
struct batch_ ##type {							\\
	/*								\\
	 * A comment inside a macro body, on lines that continue it:	\\
	 * cpp joins the lines first and removes the comment after,	\\
	 * so the text below it still belongs to the macro, while	\\
	 * tree-sitter-c, given five lines of it as long as these,	\\
	 * ends the macro at the comment and reads the rest as code.	\\
	 */								\\
	type value;							\\
};									\\
int made_by_the_macro;							\\
type get_ ##type(void) { return 0; }

DEFINE_GETTER(int)

int after_the_macro(void) { return holder_one.inner; }

unsigned int __get_value(int x) { return x + 1; }
__attribute__((noinline)) int __attribute__((cold)) __other(void) { return 1; }
"""


def test_definitions_are_the_symbols_gcc_defines(tmp_path):
    """Enum constants and struct members define no symbol; a declarator after a struct body does; a comment
    inside a continued #define leaves the lines after it in the macro (random.c's DEFINE_BATCHED_ENTROPY); a
    function named ``__x`` after its type is defined, annotations around it or not."""
    from elftools.elf.elffile import ELFFile

    from toolchain import compile_c

    source = tmp_path / "defs.c"
    source.write_bytes(DEFINES_WHAT_GCC_DEFINES)
    obj = compile_c(source, tmp_path / "defs.o")
    with obj.open("rb") as stream:
        symtab = ELFFile(stream).get_section_by_name(".symtab")
        defined = {s.name for s in symtab.iter_symbols() if s["st_shndx"] not in ("SHN_UNDEF", "SHN_ABS")
                   and s["st_info"]["type"] in ("STT_FUNC", "STT_OBJECT")}
    made_by_macro = {"get_int", "made_by_the_macro"}
    assert defined == {"holder_one", "holder_ptr", "after_the_macro", "__get_value", "__other"} | made_by_macro
    facts = facts_of(DEFINES_WHAT_GCC_DEFINES, "drivers/defs.c")
    # the front-end reads no expansion, and must not take the macro's body for file-scope code
    assert {d.name for d in facts.definitions} == defined - made_by_macro


BANNERS_AND_CONTINUED_STRINGS = b"""// A banner of C++ comments, as drivers/usb/serial/io_usbvend.h has them:
//************************************************************************
//	Definitions after it
//************************************************************************
#define AFTER_BANNER 1

/* A code template in a string continued over lines, as tools/bpf/bpftool/gen.c writes them: after
 * splicing, its #ifdef is in the middle of a logical line, so cpp sees no conditional. */
const char template_text[] = "\\n\\
	#ifdef __cplusplus\\n\\
	extern \\"C\\" {\\n\\
	#endif\\n\\
	#ifndef GUARD\\n\\
";

int defined_after_both = AFTER_BANNER;
"""


def test_banners_and_continued_strings_are_read_as_gcc_reads_them(tmp_path):
    """gcc compiles the whole file (no unterminated comment, no open #if) and defines its last symbol; the
    front-end must read it the same way: no diagnostic, and every definition found."""
    from elftools.elf.elffile import ELFFile

    from toolchain import compile_c

    source = tmp_path / "banner.c"
    source.write_bytes(BANNERS_AND_CONTINUED_STRINGS)
    obj = compile_c(source, tmp_path / "banner.o")
    with obj.open("rb") as stream:
        symtab = ELFFile(stream).get_section_by_name(".symtab")
        defined = {s.name for s in symtab.iter_symbols() if s["st_info"]["type"] == "STT_OBJECT"}
    assert defined == {"template_text", "defined_after_both"}
    facts = facts_of(BANNERS_AND_CONTINUED_STRINGS, "drivers/banner.c")
    assert not facts.diagnostics
    assert {d.name for d in facts.definitions} == defined
    assert [m.name for m in facts.defines] == ["AFTER_BANNER"]
