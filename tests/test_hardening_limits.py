"""Limits hold: per-file size and time bounds end to end, macro expansion bounds, no blow-up on crafted input.

For each front-end a crafted worst case (deep nesting, long runs of one
directive, unterminated comments, tens of thousands of sections) must
finish within a bound, and doubling-twice the input must not cost much
more than four times as long (a quadratic reader costs sixteen): the
scaling check is what tells a slow-but-linear reader from a blow-up on a
machine whose speed the test cannot know.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from kgclint import worker
from kgclint.cli import main
from kgclint.inputs import SourceInput
from toolchain import require

#: Above this, a crafted input of this size is a hang as far as a CI run is concerned.
BOUND = 20.0
#: Cost of 4x the input over the cost of 1x; linear is ~4, quadratic 16.
MAX_GROWTH = 10.0


def elapsed(call: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def assert_scales_linearly(run: Callable[[int], object], n: int, bound: float = BOUND) -> object:
    """``run(n)`` and ``run(4n)`` both finish, the larger within ``bound`` and at most MAX_GROWTH x slower.

    Each size is timed twice and the faster run counts, so a burst of load
    from another process does not pass for super-linear cost.
    """
    small = min(elapsed(lambda: run(n))[0] for _ in range(2))
    large, result = elapsed(lambda: run(4 * n))
    assert large < bound, f"4n={4 * n}: {large:.2f} s (bound {bound} s)"
    if large > max(MAX_GROWTH * small, 1.0):
        large = min(large, elapsed(lambda: run(4 * n))[0])
    assert large < max(MAX_GROWTH * small, 1.0), f"n={n}: {small:.3f} s, 4n: {large:.3f} s: super-linear"
    return result


def diagnostics_of(facts) -> list[str]:
    return [d.message for d in facts.diagnostics]


# ------------------------------------------------------------------ per-file bounds, end to end


def test_max_file_size_end_to_end(tmp_path, monkeypatch):
    """A file over ``max-file-size`` is skipped with KGC004 naming the key; the others are read."""
    tree = tmp_path / "tree"
    (tree / "drivers").mkdir(parents=True)
    (tree / ".kgclint.toml").write_text("[tool.kgclint]\nmax-file-size = 1000\n")
    (tree / "drivers" / "big.c").write_bytes(b"int a;\n" * 500)
    (tree / "drivers" / "small.c").write_bytes(b"int b;\n\0\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    out = tmp_path / "out.json"
    assert main(["check", str(tree), "--format", "json", "--no-cache", "-j1", "--select", "KGC0,KGC1",
                 "-o", str(out)]) == 1
    findings = {(f["location"]["path"], f["code"]): f["message"] for f in json.loads(out.read_text())["findings"]}
    assert set(findings) == {("drivers/big.c", "KGC004"), ("drivers/small.c", "KGC001")}
    assert "max-file-size" in findings["drivers/big.c", "KGC004"]


def _python_spin(source: SourceInput):
    while True:
        time.sleep(0.001)


def _native_callback_spin(source: SourceInput):
    """A front-end stuck in a C library that calls back into Python (tree-sitter's read callback)."""
    import tree_sitter_c
    from tree_sitter import Language, Parser

    parser = Parser(Language(tree_sitter_c.language()))

    def read(offset: int, point: object) -> bytes:
        time.monotonic()
        return b"int a; /* " if offset < 10 else b"x "

    return parser.parse(read)


@pytest.mark.parametrize("frontend", [_python_spin, _native_callback_spin], ids=["python", "native-callback"])
def test_file_timeout_end_to_end(tmp_path, monkeypatch, frontend):
    """A front-end past ``file-timeout`` gives KGC004 for that file, whatever code it was stuck in."""
    tree = tmp_path / "tree"
    (tree / "drivers").mkdir(parents=True)
    (tree / ".kgclint.toml").write_text("[tool.kgclint]\nfile-timeout = 0.5\n")
    (tree / "drivers" / "slow.c").write_bytes(b"int a;\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(worker, "load_frontend", lambda kind: frontend)
    out = tmp_path / "out.json"
    took, status = elapsed(lambda: main(["check", str(tree), "--format", "json", "--no-cache", "-j1",
                                         "--select", "KGC0,KGC1", "-o", str(out)]))
    findings = json.loads(out.read_text())["findings"]
    assert [(f["code"], f["location"]["path"]) for f in findings] == [("KGC004", "drivers/slow.c")], findings
    assert "file-timeout" in findings[0]["message"]
    assert status == 1 and took < 10


# ------------------------------------------------------------------ macro expansion bounds


def _expander_for(text: str):
    from kgclint.c.expander import Expander
    from kgclint.frontends.c import parse

    facts = parse(SourceInput("include/linux/m.h", text.encode(), "x86"))
    table = {d.name: d for d in facts.defines}
    return Expander(table.get, path="include/linux/m.h")


def _expand(expander, text: str):
    from kgclint.c.tokens import tokenize

    return expander.expand(tokenize(text))


def test_expander_limits_exist():
    from kgclint.c import expander

    assert 0 < expander.MAX_DEPTH <= 10_000
    assert 0 < expander.MAX_TOKENS <= 10_000_000
    assert 0 < expander.MAX_STEPS <= 100_000_000
    assert 0 < expander.MAX_ARG_DEPTH <= 10_000


def test_expander_exponential_macro_is_bounded():
    """Each level doubles: 2**40 tokens unbounded; the expander stops at its token limit with a problem."""
    from kgclint.c.expander import MAX_TOKENS

    lines = ["#define A0 x"] + [f"#define A{i} A{i - 1} A{i - 1}" for i in range(1, 41)]
    expander = _expander_for("\n".join(lines) + "\n")
    took, out = elapsed(lambda: _expand(expander, "A40"))
    assert took < 3 * BOUND  # ~14 s on an idle core at the default MAX_STEPS: bounded, if not cheap
    assert len(out) <= MAX_TOKENS + 64
    assert any("token" in p or "steps" in p for p in expander.problems), expander.problems


def test_expander_deep_chain_is_bounded():
    from kgclint.c.expander import MAX_DEPTH

    lines = [f"#define D{i} D{i + 1}" for i in range(5000)]
    expander = _expander_for("\n".join(lines) + "\n")
    took, out = elapsed(lambda: _expand(expander, "D0"))
    assert took < BOUND
    assert len(out) == 1 and any(str(MAX_DEPTH) in p for p in expander.problems), expander.problems


def test_expander_nested_arguments_are_bounded():
    expander = _expander_for("#define F(x) x x\n")
    took, out = elapsed(lambda: _expand(expander, "F(" * 2000 + "1" + ")" * 2000))
    assert took < BOUND
    assert expander.problems


def test_expander_cycles_stop():
    expander = _expander_for("#define A B(A)\n#define B(x) A x\n#define S(x) S(S(x))\n")
    took, out = elapsed(lambda: _expand(expander, "A S(1)"))
    assert took < 2
    assert out


# ------------------------------------------------------------------ crafted worst cases per front-end

C_CASES = {
    "nested parens": lambda n: b"int x = " + b"(" * n + b"1" + b")" * n + b";\n",
    "nested braces": lambda n: b"void f(void) " + b"{" * n + b"}" * n + b"\n",
    "nested #if": lambda n: b"#if X\n" * n + b"int a;\n",
    "long line": lambda n: b"int a = " + b"1 + " * n + b"1;\n",
    "many defines": lambda n: b"".join(b"#define M%d(x) M%d(x) x\n" % (i, i + 1) for i in range(n)),
    "unbalanced braces": lambda n: b"void f(void) {\n" * n,
    "unterminated comments": lambda n: b"int x;\n" + b"/* a " * n,
    "unterminated strings": lambda n: b"char *s = \"a\n" * n,
}


@pytest.mark.parametrize("case", sorted(C_CASES))
def test_c_worst_case(case):
    from kgclint.frontends.c import parse

    make = C_CASES[case]
    facts = assert_scales_linearly(lambda n: parse(SourceInput("drivers/x.c", make(n), "x86")), 5000)
    assert facts.path == "drivers/x.c"
    # the front-end's own time bound (PARSE_SECONDS) must not be what kept this case short
    assert not any("parsing stopped" in message for message in diagnostics_of(facts)), diagnostics_of(facts)


ASM_IN_NESTING = {
    "asm in nested parens": lambda n: b"int x = " + b"(asm " * n + b")" * n + b";\n",
    "asm in nested blocks": lambda n: b"void f(void) " + b"{ asm(\"nop\"); " * n + b"}" * n + b"\n",
}


@pytest.mark.parametrize("case", sorted(ASM_IN_NESTING))
def test_c_asm_keywords_in_deep_nesting(case):
    """Each asm keyword's enclosing statements are looked up: that must not cost the tree's depth per step."""
    from kgclint.frontends.c import parse

    make = ASM_IN_NESTING[case]
    assert_scales_linearly(lambda n: parse(SourceInput("drivers/x.c", make(n), "x86")), 250)


def test_c_hundred_thousand_nested_parens():
    from kgclint.frontends.c import parse

    took, facts = elapsed(lambda: parse(SourceInput("x.c", C_CASES["nested parens"](100_000), "x86")))
    assert took < BOUND and facts.path == "x.c"


ASM_CASES = {
    "pushsection": lambda n: b'\t.pushsection .x,"a"\n\t.long 1\n' * n,
    "push/pop": lambda n: b'\t.pushsection .x,"a"\n\t.long 1\n\t.popsection\n' * n,
    "nested .macro": lambda n: b".macro m\n" * n,
    "nested .if": lambda n: b".if 1\n" * n,
    "nested #ifdef": lambda n: b"#ifdef X\n" * n,
    "unterminated comments": lambda n: b"\t.text\n" + b"/* a " * n,
    "long line": lambda n: b"\t.byte " + b"1," * n + b"1\n",
    "many sections": lambda n: b"".join(b'\t.section .s%d,"ax",@progbits\n' % i for i in range(n)),
    "line continuations": lambda n: b"#define X \\\n" * n,
}


@pytest.mark.parametrize("case", sorted(ASM_CASES))
def test_asm_worst_case(case):
    from kgclint.frontends.asm_file import parse

    make = ASM_CASES[case]
    facts = assert_scales_linearly(lambda n: parse(SourceInput("arch/x86/kernel/x.S", make(n), "x86")), 3000)
    assert facts.path == "arch/x86/kernel/x.S"


def test_asm_hundred_thousand_pushsections():
    from kgclint.frontends.asm_file import parse

    took, facts = elapsed(lambda: parse(SourceInput("x.S", ASM_CASES["pushsection"](100_000), "x86")), )
    assert took < 60 and facts.path == "x.S"


LDS_CASES = {
    "lines": lambda n: "SECTIONS {\n" + "".join(f" .s{i} : {{ *(.s{i} .s{i}.*) }}\n" for i in range(n)) + "}\n",
    "unterminated comments": lambda n: "SECTIONS { .text : { *(.text) } }\n" + "/* x " * n,
    "unterminated string": lambda n: 'SECTIONS { .t : { *(.t) } }\nASSERT(1, "' + "x " * n,
    "nested braces": lambda n: "SECTIONS " + "{ " * n + "}" * n,
    "errors": lambda n: "SECTIONS {\n" + ") ;\n" * n + "}\n",
}


@pytest.mark.parametrize("case", sorted(LDS_CASES))
def test_lds_worst_case(case):
    from kgclint.lds.model import ScriptModel
    from kgclint.lds.parser import parse

    make = LDS_CASES[case]
    n = 1000 if case == "lines" else 3000

    def run(size: int):
        result = parse(make(size), "x.lds")
        ScriptModel(result.script).place("a.o", ".s1", 0x6)
        return result

    assert_scales_linearly(run, n)


@pytest.mark.parametrize("line", ["ENTRY(x;\n", "unknown(x;\n", "OUTPUT_FORMAT(x;\n"])
def test_lds_unclosed_argument_lists(line):
    """bench/fuzz.py lds: each unclosed ``(`` was scanned to the end of the file again (36 KB: 28 s)."""
    from kgclint.lds.parser import parse

    assert_scales_linearly(lambda n: parse(line * n, "x.lds"), 300)


def test_lds_ten_thousand_nested_parens():
    from kgclint.lds.parser import parse

    took, result = elapsed(lambda: parse("SECTIONS { . = " + "(" * 10_000 + "1" + ")" * 10_000 + "; }\n", "x.lds"))
    assert took < BOUND
    assert any("nested" in d.message for d in result.diagnostics)


def test_lds_file_front_end_worst_case():
    from kgclint.frontends.lds_file import parse

    data = LDS_CASES["lines"](3000).encode() + b"/* x " * 3000
    took, facts = elapsed(lambda: parse(SourceInput("arch/x86/kernel/vmlinux.lds", data, "x86")))
    assert took < BOUND and facts.path == "arch/x86/kernel/vmlinux.lds"


def test_elf_with_seventy_thousand_sections(tmp_path):
    """An object past SHN_LORESERVE sections (SHN_XINDEX escapes) is read whole, quickly."""
    from kgclint.frontends.elf import parse_object

    source = tmp_path / "many.s"
    source.write_text("".join(f'.section .s{i},"a"\n.byte 1\n' for i in range(70_000)))
    subprocess.run([require("as"), "-o", str(tmp_path / "many.o"), str(source)], check=True)
    data = (tmp_path / "many.o").read_bytes()
    took, facts = elapsed(lambda: parse_object(SourceInput("many.o", data, None)))
    assert took < BOUND
    assert not facts.diagnostics
    assert len(facts.sections) > 70_000


def test_archive_with_thousands_of_members(tmp_path):
    from kgclint.frontends.elf import parse_archive

    source = tmp_path / "m.c"
    source.write_text("int f(void) { return 1; }\n")
    subprocess.run([require("gcc"), "-c", "-o", str(tmp_path / "m.o"), str(source)], check=True)
    members = tmp_path / "members"
    members.mkdir()
    for i in range(3000):
        shutil.copy(tmp_path / "m.o", members / f"member_with_a_long_name_{i}.o")
    names = sorted(p.name for p in members.iterdir())
    subprocess.run([require("ar"), "rcS", str(tmp_path / "lib.a"), *names], cwd=members, check=True)
    data = (tmp_path / "lib.a").read_bytes()
    took, facts = elapsed(lambda: parse_archive(SourceInput("lib.a", data, None)))
    assert took < BOUND and len(facts.members) == 3000


KBUILD_CASES = {
    "nested ifeq": lambda n: b"ifeq (a,b)\n" * n,
    "continuations": lambda n: b"obj-y += a.o \\\n" * n,
    "long line": lambda n: b"obj-y += " + b"a.o " * n + b"\n",
    "nested $(": lambda n: b"x := " + b"$(" * n + b"\n",
}


@pytest.mark.parametrize("case", sorted(KBUILD_CASES))
def test_kbuild_worst_case(case):
    from kgclint.frontends.kbuild import parse

    make = KBUILD_CASES[case]
    assert_scales_linearly(lambda n: parse(SourceInput("drivers/Makefile", make(n), None)), 3000)


def test_kbuild_deep_include_recursion_end_to_end(tmp_path):
    """Makefiles that include themselves, a 200-long include chain and 200 nested subdirectories: bounded."""
    tree = tmp_path / "tree"
    (tree / "arch" / "x86").mkdir(parents=True)
    (tree / "include").mkdir()
    (tree / "Makefile").write_text("include Makefile\ninclude inc0.mk\nobj-y += d/\n")
    for i in range(200):
        (tree / f"inc{i}.mk").write_text(f"include inc{i + 1}.mk\ninclude inc0.mk\nobj-y += x{i}.o\n")
    folder = tree
    for _ in range(200):
        folder = folder / "d"
        folder.mkdir()
        (folder / "Makefile").write_text("obj-y += d/ ../ ./\ninclude $(srctree)/Makefile\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "kgclint", "check", str(tree), "--format", "json", "--no-cache",
                          "-j1"], capture_output=True, text=True, env=env, timeout=300)
    assert time.perf_counter() - start < 120
    assert run.returncode in (0, 1), run.stderr
    assert '"code": "KGC003"' not in run.stdout


def test_suppression_markers_scale_linearly():
    """Every C, asm, script and makefile goes through the suppression scan: a line of markers each is linear."""
    from kgclint.suppressions import extract

    marks = assert_scales_linearly(lambda n: extract(b"int a; /* kgclint: ignore[KGC101] */\n" * n), 5000)
    assert len(marks) == 20000 and marks[-1].line == 20000


def test_patch_with_many_hunks():
    from kgclint.patch.apply import apply_patches
    from kgclint.patch.parse import parse_patch

    def run(n: int):
        original = b"".join(b"line %d\n" % i for i in range(5 * n))
        hunks = b"".join(b"@@ -%d,1 +%d,1 @@\n-line %d\n+LINE %d\n" % (i + 1, i + 1, i, i) for i in range(0, 5 * n, 5))
        return apply_patches(parse_patch(b"--- a/f.c\n+++ b/f.c\n" + hunks), Path("/"), {"f.c": original}.get)

    applied = assert_scales_linearly(run, 5000)
    assert applied.after["f.c"].count(b"LINE") == 20000


def test_patch_hunk_that_does_not_apply_is_bounded():
    """A hunk whose context is nowhere makes the applier search; the search must stay bounded."""
    from kgclint.patch import PatchError
    from kgclint.patch.apply import apply_patches
    from kgclint.patch.parse import parse_patch

    def run(n: int):
        original = b"same\n" * n
        body = b" same\n" * 50 + b"-other\n+new\n"
        patch = b"--- a/f.c\n+++ b/f.c\n@@ -%d,51 +%d,51 @@\n" % (n // 2, n // 2) + body
        with pytest.raises(PatchError):
            apply_patches(parse_patch(patch), Path("/"), {"f.c": original}.get)

    assert_scales_linearly(run, 20000)


def test_discovery_of_deep_trees_and_symlink_loops(tmp_path):
    from kgclint.discovery import discover
    from kgclint.inputs import InputKind

    folder = tmp_path
    for i in range(300):
        folder = folder / "d"
        folder.mkdir()
        (folder / f"f{i}.c").write_text("int a;\n")
        os.symlink("..", folder / "up")
    os.symlink(tmp_path, folder / "top")
    took, (found, problems) = elapsed(lambda: discover(tmp_path, [tmp_path], frozenset({InputKind.C})))
    assert took < BOUND
    assert len(found) == 300


BOMB_CHILD = """
import resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (1024 * 2**20, 1024 * 2**20))  # a runaway costs this process, not the machine
from kgclint.frontends.elf import parse_object
from kgclint.inputs import SourceInput
data = open(sys.argv[1], "rb").read()
start = time.monotonic()
facts = parse_object(SourceInput("bomb.o", data, None))
# VmHWM is this program's peak; ru_maxrss would include the forking parent's (pytest's) peak
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(f"{time.monotonic() - start:.2f}", peak // 1024)
for d in facts.diagnostics:
    print(d.message)
"""


def compression_bomb(obj: bytes, size: int) -> bytes:
    """``obj`` with its .strtab replaced by a SHF_COMPRESSED (zlib) section that inflates to ``size`` zero bytes."""
    import struct
    import zlib

    data = bytearray(obj)
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    names = struct.unpack_from("<Q", data, shoff + shstrndx * shentsize + 24)[0]
    for index in range(shnum):
        name = struct.unpack_from("<I", data, shoff + index * shentsize)[0]
        if data[names + name:data.index(b"\0", names + name)] == b".strtab":
            break
    blob = struct.pack("<IIQQ", 1, 0, size, 1) + zlib.compress(b"\0" * size, 9)
    header = shoff + index * shentsize
    struct.pack_into("<QQQQ", data, header + 8, 0x800, 0, len(data), len(blob))  # flags, addr, offset, size
    return bytes(data) + blob


def test_elf_compressed_section_bomb_is_bounded(tmp_path):
    """A 200 KB object whose .strtab inflates to 200 MB: refused by its declared size, not read into memory.

    Objects are not under max-file-size (vmlinux.o is big), so a reader that
    inflates whatever a header declares lets a tiny file take gigabytes.
    """
    source = tmp_path / "a.c"
    source.write_text("int f(void) { return 1; }\nint g;\n")
    subprocess.run([require("gcc"), "-c", "-O1", "-o", str(tmp_path / "a.o"), str(source)], check=True)
    bomb = tmp_path / "bomb.o"
    bomb.write_bytes(compression_bomb((tmp_path / "a.o").read_bytes(), 200_000_000))
    assert bomb.stat().st_size < 300_000
    run = subprocess.run([sys.executable, "-c", BOMB_CHILD, str(bomb)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    seconds, megabytes = run.stdout.split("\n")[0].split()
    messages = run.stdout.split("\n")[1:]
    assert not any("MemoryError" in m for m in messages), messages  # the rlimit, not the reader, stopped it
    assert float(seconds) < 5 and int(megabytes) < 400, run.stdout
    assert any(m for m in messages), "the refused section must be reported"


@pytest.mark.parametrize("nesting", ["select = " + "[" * 5000 + "]" * 5000, "a = " + "{x = " * 5000 + "1" + "}" * 5000])
def test_config_nested_deeply_is_a_config_error(tmp_path, nesting):
    """tomllib recurses per nesting level: a hostile configuration must give ConfigError, not RecursionError."""
    from kgclint.config import ConfigError, load_config

    path = tmp_path / ".kgclint.toml"
    path.write_text(nesting + "\n")
    with pytest.raises(ConfigError, match=".kgclint.toml"):
        load_config(path)
