"""KGC104: the claims about .section/.previous in inline asm, proved with the real GCC and assembler.

Each inline asm text is compiled as it stands, then with kgclint's fix
applied, and the objects are read with pyelftools: where the functions
ended up is the evidence.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from kgclint.asm.scanner import scan
from kgclint.findings import Severity
from kgclint.location import Location
from kgclint_rules.sources.inline_asm_section_switch import bare_switches, message, plan_fix
from toolchain import try_compile

#: An exception-table style entry nested in a .fixup block: the classic .previous trap.
NESTED = [
    '.section .fixup,\\"ax\\"\\n',
    "1: nop\\n",
    '.section __ex_table,\\"a\\"\\n',
    ".long 1b\\n",
    ".previous\\n",
    ".previous\\n",
]
FIRST_LINE = 4


def _c_source(pieces: list[str], in_function: bool) -> str:
    body = "\n".join(f'    "{p}"' for p in pieces)
    asm = f"asm(\n{body});\n"
    if in_function:
        return "int before(int x) { return x - 1; }\nint f(int x) {\n" + asm.replace("asm(\n", "asm volatile(\n") + "return x + 1; }\nint after(int x) { return x * 3; }\n"
    return "int before(int x) { return x - 1; }\n\n" + asm + "int after(int x) { return x * 3; }\nint later(int x) { return x * 5; }\n"


def _text(pieces: list[str]) -> str:
    return "".join(pieces).replace('\\"', '"').replace("\\n", "\n")


def _scan(pieces: list[str], path: str = "f.c"):
    return scan(_text(pieces), path=path, arch="x86", origin="inline-asm",
                line_map=lambda n: Location(path, FIRST_LINE + n - 1, 0))


def _sections_of(obj: Path, names: tuple[str, ...]) -> dict[str, str]:
    with obj.open("rb") as handle:
        elf = ELFFile(handle)
        symtab = elf.get_section_by_name(".symtab")
        out = {}
        for name in names:
            symbol = symtab.get_symbol_by_name(name)[0]
            out[name] = elf.get_section(symbol["st_shndx"]).name
        return out


def _compile(tmp_path: Path, source: str, name: str):
    path = tmp_path / f"{name}.c"
    path.write_text(source)
    return try_compile(path, tmp_path / f"{name}.o", flags=("-fno-pie", "-fno-asynchronous-unwind-tables"))


def test_nested_previous_at_file_scope_silently_moves_later_functions(tmp_path):
    done = _compile(tmp_path, _c_source(NESTED, in_function=False), "bad")
    assert done.returncode == 0 and "Warning" not in done.stderr, done.stderr
    placed = _sections_of(tmp_path / "bad.o", ("after", "later"))
    assert set(placed.values()) == {"__ex_table"}  # code in the exception table, and no message
    switching = bare_switches(_scan(NESTED), top_level=True)
    assert switching is not None and switching.paired and not switching.restored
    assert switching.final == "__ex_table"
    text, severity = message(switching, top_level=True)
    assert "leaves the assembler in __ex_table" in text and severity is Severity.WARNING


def test_nested_previous_in_a_function_breaks_the_build(tmp_path):
    done = _compile(tmp_path, _c_source(NESTED, in_function=True), "fn")
    assert done.returncode != 0
    assert ".size expression for f does not evaluate to a constant" in done.stderr


def test_fix_makes_the_same_code_correct(tmp_path):
    source = _c_source(NESTED, in_function=False)
    assert source.splitlines()[FIRST_LINE - 1].strip().startswith('".section .fixup')
    switching = bare_switches(_scan(NESTED))
    assert switching is not None
    data = source.encode()
    fix = plan_fix(switching, data, Location("f.c", 3, 1))
    assert fix is not None and len(fix.edits) == 4
    for edit in sorted(fix.edits, reverse=True):
        data = data[:edit.start] + edit.text.encode() + data[edit.end:]
    fixed = data.decode()
    assert ".section" not in fixed and ".previous" not in fixed
    done = _compile(tmp_path, fixed, "fixed")
    assert done.returncode == 0, done.stderr
    assert set(_sections_of(tmp_path / "fixed.o", ("after", "later")).values()) == {".text"}
    assert bare_switches(_scan([p.replace(".section", ".pushsection").replace(".previous", ".popsection") for p in NESTED])) is None


def test_text_switch_in_a_statement_is_reported_without_fix():
    pieces = [".data\\n", "x: .long 1\\n", ".text\\n"]
    switching = bare_switches(_scan(pieces))
    assert switching is not None and not switching.paired and switching.final == ".text"
    assert plan_fix(switching, _c_source(pieces, False).encode(), Location("f.c", 3, 1)) is None
    assert "leaves the assembler in .text" in message(switching)[0]


def test_section_inside_own_push_is_fine():
    pieces = ['.pushsection .a,\\"a\\"\\n', '.section .b,\\"a\\"\\n', ".long 1\\n", ".popsection\\n"]
    assert bare_switches(_scan(pieces)) is None


def test_fix_refused_when_the_line_does_not_hold_the_directive():
    """Text that came from a macro defined elsewhere: the C line does not spell the directives."""
    switching = bare_switches(_scan(NESTED))
    assert switching is not None
    source = b"int x;\nasm(_FIXUP_SECTION(1b, 2b));\n"
    assert plan_fix(switching, source, Location("f.c", 2, 1)) is None


@pytest.mark.parametrize("arch", ["x86", "arm"])
def test_scanner_sees_the_directives_under_each_arch(arch):
    text = _text(NESTED)
    if arch == "arm":
        text = text.replace("nop", "mov r0, r0")
    switching = bare_switches(scan(text, path="f.c", arch=arch, origin="inline-asm"))
    assert switching is not None and [s.directive for s in switching.switches] == [
        ".section", ".section", ".previous", ".previous"]


def test_subsection_pairs_stay_in_gccs_section(tmp_path):
    """`.subsection 1` … `.previous` puts out-of-line code later in the function's own section: not reported."""
    pieces = ["1: nop\\n", ".subsection 1\\n", "2: jmp 1b\\n", ".previous\\n"]
    source = ("int before(int x) { return x - 1; }\n"
              "int f(int x) {\n" + "asm volatile(" + " ".join(f'"{p}"' for p in pieces) + ");\n"
              "return x + 1; }\nint after(int x) { return x * 3; }\n")
    done = _compile(tmp_path, source, "sub")
    assert done.returncode == 0, done.stderr
    assert set(_sections_of(tmp_path / "sub.o", ("before", "f", "after")).values()) == {".text"}
    assert bare_switches(_scan(pieces)) is None
    mixed = bare_switches(_scan(['.section .a,\\"a\\"\\n', ".subsection 1\\n", ".previous\\n", ".previous\\n"]))
    assert mixed is not None and not mixed.paired and mixed.final == "subsection 1 of .a"


FUNCTION_AT_FILE_SCOPE = [".text\\n", ".globl vide\\n", "vide: ret\\n"]


def _file_scope_function_source() -> str:
    asm = " ".join(f'"{p}"' for p in FUNCTION_AT_FILE_SCOPE)
    return f"int a = 1;\nasm({asm});\nint b = 2;\nint g(int x) {{ return x + 1; }}\n"


def test_file_scope_function_after_text_is_harmless_by_default(tmp_path):
    done = _compile(tmp_path, _file_scope_function_source(), "fs")
    assert done.returncode == 0, done.stderr
    assert _sections_of(tmp_path / "fs.o", ("a", "b", "g")) == {"a": ".data", "b": ".data", "g": ".text"}
    assert bare_switches(_scan(FUNCTION_AT_FILE_SCOPE), top_level=True) is None


def test_file_scope_text_moves_data_without_toplevel_reorder(tmp_path):
    """The documented exception: with -fno-toplevel-reorder GCC writes the statement in place."""
    path = tmp_path / "nr.c"
    path.write_text(_file_scope_function_source())
    done = try_compile(path, tmp_path / "nr.o", flags=("-fno-pie", "-fno-toplevel-reorder"))
    assert done.returncode == 0, done.stderr
    assert _sections_of(tmp_path / "nr.o", ("b",)) == {"b": ".text"}


def test_balanced_pair_in_a_function_is_a_note():
    pieces = ['.section .fixup,\\"ax\\"\\n', "2: nop\\n", ".previous\\n"]
    switching = bare_switches(_scan(pieces))
    assert switching is not None and switching.paired and switching.restored
    assert message(switching)[1] is Severity.INFO
