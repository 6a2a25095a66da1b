"""Fuzz harnesses for every reader of untrusted input, shared by the tests and ``bench/fuzz.py``.

A harness is one entry point that takes bytes a user's tree (or patch, or
configuration) may contain, plus seeds to mutate and a dictionary of the
tokens its language is made of. The property each harness checks is the
one the engine relies on: the reader returns (never raises, except the
errors it documents, such as ``ConfigError``), its facts name the file and
carry their problems as ``Diagnostic``s with sane locations, the facts
pickle (the engine ships them between processes and into the cache), and
it finishes in bounded time.

Mutation is driven by a ``random.Random``: hypothesis hands the tests a
``Random`` it controls (so failures shrink and replay), the long run in
``bench/fuzz.py`` a seeded one (so it counts inputs per second).
"""

from __future__ import annotations

import functools
import os
import pickle
import random
import shutil
import signal
import struct
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kgclint.findings import Diagnostic
from kgclint.inputs import SourceInput
from kgclint.location import Location

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
#: Wall-clock bound for one input of a few KiB; any front-end taking longer is a bug.
EXAMPLE_SECONDS = 10.0


class PropertyViolation(AssertionError):
    """A reader broke the front-end contract on some input."""


class SlowInput(PropertyViolation):
    """A reader ran past ``EXAMPLE_SECONDS`` on one input."""


@dataclass(frozen=True)
class Harness:
    """One fuzz target: ``run(data)`` checks the properties and raises PropertyViolation (or the bug)."""

    name: str
    run: Callable[[bytes], object]
    seeds: Callable[[], list[bytes]]
    tokens: tuple[bytes, ...]
    mutate: Callable[[bytes, random.Random, Sequence[bytes], Sequence[bytes]], bytes] | None = None
    #: Inputs per bounded test run (fewer for harnesses that start a process or build a tree per input).
    examples: int = 150


# --------------------------------------------------------------------------- properties


def bounded(seconds: float = EXAMPLE_SECONDS):
    """Run the wrapped call under a SIGALRM bound (main thread only, as in pytest and bench)."""

    def wrap(function):
        @functools.wraps(function)
        def call(*args, **kwargs):
            def alarm(signum, frame):
                raise SlowInput(f"{function.__name__} ran longer than {seconds:g} s")

            previous = signal.signal(signal.SIGALRM, alarm)
            signal.setitimer(signal.ITIMER_REAL, seconds)
            try:
                return function(*args, **kwargs)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)

        return call

    return wrap


def check_diagnostics(diagnostics: object, where: str) -> None:
    if not isinstance(diagnostics, tuple):
        raise PropertyViolation(f"{where}: diagnostics is a {type(diagnostics).__name__}, not a tuple")
    for diagnostic in diagnostics:
        if not isinstance(diagnostic, Diagnostic) or not isinstance(diagnostic.location, Location):
            raise PropertyViolation(f"{where}: {diagnostic!r} is not a Diagnostic with a Location")
        location = diagnostic.location
        if location.line < 0 or location.column < 0 or not isinstance(diagnostic.message, str):
            raise PropertyViolation(f"{where}: bad diagnostic {diagnostic!r}")


def check_facts(facts: object, path: str) -> object:
    """The front-end contract on one result: names the file, has diagnostics, pickles."""
    if facts is None:
        raise PropertyViolation(f"{path}: front-end returned None")
    if getattr(facts, "path", None) != path:
        raise PropertyViolation(f"{path}: facts.path is {getattr(facts, 'path', None)!r}")
    check_diagnostics(getattr(facts, "diagnostics", None), path)
    try:
        pickle.loads(pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception as exc:
        raise PropertyViolation(f"{path}: facts do not pickle: {type(exc).__name__}: {exc}") from exc
    return facts


def scratch_dir(purpose: str) -> Path:
    """A temporary directory a harness keeps across inputs, removed when the process exits."""
    import atexit

    folder = Path(tempfile.mkdtemp(prefix=f"kgclint-fuzz-{purpose}-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


# --------------------------------------------------------------------------- mutation

#: Largest input a mutation makes: big enough for deep nesting, small enough for thousands of inputs a minute.
MAX_INPUT = 1 << 16
INTERESTING_BYTES = b"\x00\xff\x7f\x80\n\r\t \\\"'(){}[];,#/*@.$`"


def _span(rng: random.Random, data: bytes) -> tuple[int, int]:
    start = rng.randrange(len(data) + 1)
    return start, min(len(data), start + rng.randrange(1, 64))


def mutate_bytes(data: bytes, rng: random.Random, seeds: Sequence[bytes], tokens: Sequence[bytes]) -> bytes:
    """1-8 random edits: flips, inserts, tokens, deletes, repeats, splices with another seed."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(9)
        pos = rng.randrange(len(out) + 1)
        if op == 0 and out:
            i = rng.randrange(len(out))
            out[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            out[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == 2 and tokens:
            out[pos:pos] = rng.choice(tokens)
        elif op == 3 and out:
            start, end = _span(rng, bytes(out))
            del out[start:end]
        elif op == 4 and out:
            start, end = _span(rng, bytes(out))
            out[end:end] = bytes(out[start:end]) * rng.randint(1, 16)
        elif op == 5 and seeds:
            other = rng.choice(seeds)
            cut = rng.randrange(len(other) + 1)
            out = out[:pos] + bytearray(other[cut:])
        elif op == 6 and out:
            out[rng.randrange(len(out))] = rng.choice(INTERESTING_BYTES)
        elif op == 7:
            del out[pos:]
        elif op == 8 and out:
            # repeat one whole line (deep nesting, long runs of one directive)
            start = out.rfind(b"\n", 0, pos) + 1
            end = out.find(b"\n", pos)
            end = len(out) if end < 0 else end + 1
            out[end:end] = bytes(out[start:end]) * rng.randint(2, 50)
        del out[MAX_INPUT:]
    return bytes(out)


INTERESTING_INTS = (0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0xFFFF, 0xFF00, 0xFFF1, 0x7FFFFFFF,
                    0x80000000, 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF, 0x10000)


def mutate_elf(data: bytes, rng: random.Random, seeds: Sequence[bytes], tokens: Sequence[bytes]) -> bytes:
    """Header-aware edits of a little-endian ELF64/ELF32: header fields, section headers, symbols, then bytes."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if len(out) < 52 or out[:4] != b"\x7fELF":
            break
        is64 = out[4] == 2
        if is64 and len(out) < 64:
            break
        shoff = struct.unpack_from("<Q" if is64 else "<I", out, 0x28 if is64 else 0x20)[0]
        shentsize, shnum = struct.unpack_from("<HH", out, 0x3A if is64 else 0x2E)
        op = rng.randrange(4)
        if op == 0:  # an ELF header field
            fields = [(0x20, "<Q"), (0x28, "<Q"), (0x3A, "<H"), (0x3C, "<H"), (0x3E, "<H"), (0x12, "<H"),
                      (0x10, "<H")] if is64 else [(0x20, "<I"), (0x2E, "<H"), (0x30, "<H"), (0x32, "<H"),
                                                  (0x12, "<H")]
            offset, fmt = rng.choice(fields)
            _pack(out, fmt, offset, rng.choice(INTERESTING_INTS + (rng.randrange(1 << 16),)))
        elif shnum and shentsize and shoff + shentsize * shnum <= len(out):
            header = shoff + shentsize * rng.randrange(shnum)
            if op == 1:  # a section header field
                fields = ([(0, "<I"), (4, "<I"), (8, "<Q"), (24, "<Q"), (32, "<Q"), (40, "<I"), (44, "<I"),
                           (56, "<Q")] if is64 else
                          [(0, "<I"), (4, "<I"), (8, "<I"), (16, "<I"), (20, "<I"), (24, "<I"), (28, "<I"),
                           (36, "<I")])
                offset, fmt = rng.choice(fields)
                value = rng.choice(INTERESTING_INTS + (len(out), len(out) - 1, rng.randrange(shnum + 2)))
                _pack(out, fmt, header + offset, value)
            else:  # somewhere inside one section's contents (symbols, relocations, group lists)
                body_off, body_size = struct.unpack_from("<QQ" if is64 else "<II", out,
                                                         header + (24 if is64 else 16))
                if body_size and body_off + body_size <= len(out):
                    where = body_off + rng.randrange(body_size)
                    fmt = rng.choice(("<B", "<H", "<I"))
                    if where + struct.calcsize(fmt) <= len(out):
                        _pack(out, fmt, where, rng.choice(INTERESTING_INTS + (rng.randrange(shnum + 2),)))
    if rng.random() < 0.3:
        return mutate_bytes(bytes(out), rng, seeds, tokens)
    return bytes(out)


def _pack(out: bytearray, fmt: str, offset: int, value: int) -> None:
    size = struct.calcsize(fmt)
    if offset + size <= len(out):
        struct.pack_into(fmt, out, offset, value & ((1 << (8 * size)) - 1))


# --------------------------------------------------------------------------- seeds


def corpus_files(*suffixes: str, names: tuple[str, ...] = ()) -> list[bytes]:
    """Bytes of every corpus file with one of these suffixes or names (small files only)."""
    found = []
    for path in sorted(CORPUS.rglob("*")):
        if path.is_file() and (path.name.endswith(suffixes) or path.name in names) and path.stat().st_size < 65536:
            found.append(path.read_bytes())
    return found


def kernel_files(relpaths: Sequence[str]) -> list[bytes]:
    """Small real files from the Linux tree, when it is there (``bench/fuzz.py`` adds them)."""
    tree = Path(os.environ.get("KGCLINT_LINUX_TREE", "/var/tmp/kgclint-tests/linux-source-6.12"))
    found = []
    for rel in relpaths:
        path = tree / rel
        if path.is_file():
            found.append(path.read_bytes()[:131072])
    return found


C_SEEDS = (
    b'#include <linux/init.h>\n#define __sec(x) __attribute__((section(x)))\n'
    b'static int __init f(void) { return 0; }\nstatic const char s[] __sec(".init.rodata") = "x";\n'
    b'int g __attribute__((used, section(".t,\\"a\\",@note #")));\n',
    b'#define X(a, ...) a ## __VA_ARGS__\n#if defined(CONFIG_A) && X(1,)\nasm(".pushsection .foo,\\"a\\"\\n'
    b'.long 1\\n.popsection");\n#endif\nvoid h(void) { asm volatile("" : : "i"(1)); }\n',
    b"struct s { int (*fn)(void); };\nstatic struct s t[] __attribute__((section(\".tbl\"))) = { { h } };\n"
    b"EXPORT_SYMBOL_GPL(h);\n/* kgclint: ignore[KGC101] */\n",
)
C_TOKENS = (b"#define ", b"#include <", b"#if ", b"#endif\n", b"__attribute__((", b"section(", b"))",
            b"asm(", b"\".pushsection ", b"{", b"}", b"(", b")", b"\\\n", b"/*", b"*/", b"//", b"\"",
            b"EXPORT_SYMBOL(", b"static ", b"__init ", b"__used ", b"#define A(x) A(x) x\n", b"__VA_ARGS__",
            b"##", b"#x", b";\n", b"typedef ", b"struct ", b"= {", b"'")

ASM_SEEDS = (
    b'#include <linux/linkage.h>\n\t.section .init.text,"ax",@progbits\nSYM_FUNC_START(f)\n\tret\n'
    b'SYM_FUNC_END(f)\n\t.pushsection .rodata.x,"a"\n1:\t.long 1b - .\n\t.popsection\n\t.previous\n',
    b'.macro M name\n\t.section .text.\\name,"ax"\n\\name:\n.endm\nM foo\n\t.text\n\tcall foo\n'
    b'\t.subsection 1\n\t.section .note,"a",%note @ arm\n\t.data\n.globl bar\nbar: .quad foo\n',
    b'#ifdef CONFIG_X\n\t.section ".fixup","ax"\n#else\n\t.section __ex_table,"a"\n#endif\n'
    b'\t.section .discard,"G",@progbits,grp,comdat\n\t.section .l,"ao",@progbits,.text\n',
)
ASM_TOKENS = (b".section ", b".pushsection ", b".popsection\n", b".previous\n", b".subsection ", b".text\n",
              b".data\n", b".macro ", b".endm\n", b".irp ", b".rept 3\n", b".endr\n", b",\"ax\"", b",%progbits",
              b"@progbits", b"#", b"@", b";", b"\\", b"\"", b":\n", b"1:", b"1b", b".globl ", b"#define ",
              b"#if ", b"#endif\n", b".long ", b".if ", b".else\n", b".endif\n", b"/*", b"*/", b"\n")

LDS_SEEDS = (
    b'OUTPUT_ARCH(i386:x86-64)\nENTRY(_start)\nSECTIONS\n{\n . = 0x100000;\n .text : AT(ADDR(.text) - 0x10) {\n'
    b'  _stext = .;\n  *(.text .text.*)\n  KEEP(*(.init.text))\n } :text = 0x9090\n'
    b' .data ALIGN(4096) : { *(SORT_BY_NAME(.data.*)) PROVIDE(edata = .); }\n'
    b' /DISCARD/ : { *(.exit.text) *(.discard*) }\n ASSERT(SIZEOF(.text) < 1 << 30, "big")\n}\n',
    b'MEMORY { ram (rwx) : ORIGIN = 0, LENGTH = 64K }\nPHDRS { text PT_LOAD FLAGS(5); }\n'
    b'SECTIONS { .tbl : { __start_tbl = .; KEEP(*(SORT(.tbl.*))) __stop_tbl = .; } > ram\n'
    b' OVERLAY : { .o1 { *(.o1) } .o2 { *(.o2) } }\n INCLUDE other.lds\n'
    b' .x : { INPUT_SECTION_FLAGS(SHF_ALLOC & !SHF_WRITE) *(.x) } }\n',
)
LDS_TOKENS = (b"SECTIONS", b"{", b"}", b"(", b")", b"KEEP(", b"*(", b".text", b"/DISCARD/", b" : ",
              b"ALIGN(", b"SORT(", b"PROVIDE(", b"=", b";", b"?", b":", b"ASSERT(", b"\"", b"INCLUDE ",
              b"/*", b"*/", b"OVERLAY", b"MEMORY", b"AT(", b"> ram", b"EXCLUDE_FILE(", b"[", b"]", b"\n",
              b"0x", b"<<", b"#define ", b"#include ", b"*", b"-", b"~")

KBUILD_SEEDS = (
    b"obj-y += a.o b/\nobj-$(CONFIG_X) += x.o\nlib-y := l.o\nccflags-y += -ffunction-sections\n"
    b"ifeq ($(CONFIG_Y),y)\nobj-m += m.o\nelse\nsubdir-y += s\nendif\ninclude $(srctree)/scripts/Makefile.lib\n"
    b"m-objs := m1.o \\\n\tm2.o\n$(obj)/x.o: FORCE\n\t$(call if_changed,foo)\n",
)
KBUILD_TOKENS = (b"obj-y", b"obj-$(CONFIG_", b")", b"+=", b":=", b"?=", b"=", b"ifeq (", b"ifdef ", b"else\n",
                 b"endif\n", b"include ", b"-include ", b"$(", b"${", b"\\\n", b"#", b"\t", b"define ", b"endef\n",
                 b"$(call ", b",", b".o", b"/", b"\n", b":")

KCONFIG_SEEDS = (b"# comment\nCONFIG_A=y\nCONFIG_B=m\n# CONFIG_C is not set\nCONFIG_S=\"x y\"\nCONFIG_N=0x10\n",)
KCONFIG_TOKENS = (b"CONFIG_", b"=y\n", b"=m\n", b"=\"", b"# ", b" is not set\n", b"\\\"", b"\n", b"=")

TOML_SEEDS = (
    b'[tool.kgclint]\nselect = ["KGC1"]\nignore = ["KGC103"]\narch = "arm"\nlinker = "lld"\n'
    b'exclude = ["tools/*"]\nmax-file-size = 1000\nfile-timeout = 2.5\n'
    b'[tool.kgclint.per-file-ignores]\n"drivers/*" = ["KGC2"]\n',
    b'select = "KGC"\nreport-unused-suppressions = false\ncache-dir = ".c"\nbuild-dir = "o"\nconfig = ".config"\n',
)
TOML_TOKENS = (b"[tool.kgclint]\n", b"[", b"]", b"=", b"\"", b"'", b"select", b"ignore", b"arch", b"linker",
               b"max-file-size", b"file-timeout", b"per-file-ignores", b"exclude", b"true", b"false", b"1e400",
               b"-1", b"nan", b"inf", b"{", b"}", b",", b"\n", b"\"\"\"", b"0x10", b"1979-05-27",
               b"[" * 400, b"{a = " * 400)

SUPPRESSION_SEEDS = (
    b"int a; /* kgclint: ignore[KGC101, KGC102] reason */\n// kgclint: ignore[KGC201]\n"
    b" * kgclint: ignore[kgc999,,x]\n\tmov x, y @ kgclint: ignore[KGC103]\n# kgclint:ignore[]\n",
)
SUPPRESSION_TOKENS = (b"kgclint:", b"ignore[", b"]", b"KGC", b",", b"/*", b"//", b"#", b"@", b";", b"!", b"\n",
                      b" * ", b"\xff")


# --------------------------------------------------------------------------- front-end runners


def frontend_runner(module: str, attr: str, path: str, arch: str | None = None) -> Callable[[bytes], object]:
    """A harness body calling ``module.attr(SourceInput(path, data, arch))`` and checking the result."""

    @bounded()
    def run(data: bytes) -> object:
        from importlib import import_module

        parse = getattr(import_module(module), attr)
        return check_facts(parse(SourceInput(path, data, arch)), path)

    run.__name__ = f"{module}.{attr}"
    return run


@bounded()
def run_asm_scan(data: bytes) -> object:
    """The scanner on text, as inline asm reaches it (arm syntax for odd inputs, x86 otherwise)."""
    from kgclint.asm.scanner import scan

    text = data.decode("utf-8", errors="replace")
    arch = "arm" if len(data) % 2 else "x86"
    result = scan(text, path="f.S", arch=arch, origin="inline-asm", first_line=3)
    check_diagnostics(result.diagnostics, "f.S")
    pickle.dumps(result)
    return result


@bounded()
def run_lds(data: bytes) -> object:
    """The script parser and the placement model built on its result, with an INCLUDE resolver."""
    from kgclint.lds.model import ScriptModel
    from kgclint.lds.parser import parse

    text = data.decode("utf-8", errors="replace")

    def resolver(name: str, including: str):
        if not name.endswith(".lds"):
            return None
        return text[: len(text) // 2], name, lambda line, col: Location(name, line, col)

    result = parse(text, "x.lds", resolver=resolver)
    check_diagnostics(tuple(result.diagnostics), "x.lds")
    for linker in ("bfd", "lld"):
        model = ScriptModel(result.script, linker=linker)
        for name in (".text", ".text.foo", ".data.x", ".tbl.1", ".exit.text", ".init.text"):
            model.place("a.o", name, 0x6)
    pickle.dumps(result.script)
    return result


@bounded()
def run_suppressions(data: bytes) -> object:
    from kgclint.suppressions import Suppression, extract

    marks = extract(data)
    if not isinstance(marks, tuple) or not all(isinstance(m, Suppression) for m in marks):
        raise PropertyViolation(f"extract returned {marks!r}")
    lines = data.count(b"\n") + 1
    for mark in marks:
        if not (1 <= mark.line <= lines and mark.column >= 1 and mark.codes):
            raise PropertyViolation(f"bad suppression {mark!r}")
        if not all(len(code) == 6 and code.startswith("KGC") for code in mark.codes):
            raise PropertyViolation(f"bad codes {mark!r}")
    return marks


_CONFIG_DIR: Path | None = None


@bounded()
def run_config(data: bytes) -> object:
    """load_config on a file with these bytes: a Config or ConfigError, nothing else."""
    global _CONFIG_DIR
    from kgclint.config import Config, ConfigError, load_config

    if _CONFIG_DIR is None:
        _CONFIG_DIR = scratch_dir("config")
    results = []
    for name in (".kgclint.toml", "pyproject.toml"):
        path = _CONFIG_DIR / name
        path.write_bytes(data)
        try:
            config = load_config(path)
        except ConfigError as exc:
            if name not in str(exc):
                raise PropertyViolation(f"ConfigError does not name the file: {exc}") from exc
            continue
        if not isinstance(config, Config):
            raise PropertyViolation(f"load_config returned {config!r}")
        # the values must be usable as the engine uses them
        config.excluded("a/b.c")
        config.ignored_codes("a/b.c")
        if config.max_file_size <= 0 or config.file_timeout <= 0:
            raise PropertyViolation(f"non-positive limit accepted: {config!r}")
        results.append(config)
    return results


PATCH_SEEDS = (
    b"From 1 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] x\n\n---\n"
    b"diff --git a/drivers/x/f.c b/drivers/x/f.c\nindex 1..2 100644\n--- a/drivers/x/f.c\n+++ b/drivers/x/f.c\n"
    b"@@ -1,3 +1,4 @@\n int a;\n-int b;\n+int b __attribute__((section(\".x\")));\n+int c;\n int d;\n"
    b"diff --git a/new.S b/new.S\nnew file mode 100644\n--- /dev/null\n+++ b/new.S\n@@ -0,0 +1 @@\n+.text\n"
    b"\\ No newline at end of file\n-- \n2.40\n",
    b"--- a/Makefile\t2024-01-01\n+++ b/Makefile\n@@ -1 +1 @@\n-obj-y += a.o\n+obj-y += b.o\n"
    b"diff --git a/old.lds b/moved.lds\nsimilarity index 90%\nrename from old.lds\nrename to moved.lds\n"
    b"diff --git \"a/t\\tab.c\" \"b/t\\tab.c\"\ndeleted file mode 100644\n--- \"a/t\\tab.c\"\n+++ /dev/null\n"
    b"@@ -1 +0,0 @@\n-x\ndiff --git a/l b/l\nnew file mode 120000\n--- /dev/null\n+++ b/l\n@@ -0,0 +1 @@\n+../../etc\n",
)
PATCH_TOKENS = (b"diff --git a/", b" b/", b"--- a/", b"+++ b/", b"--- /dev/null\n", b"+++ /dev/null\n",
                b"@@ -1,2 +1,3 @@\n", b"@@ -0,0 +1 @@\n", b"@@ -", b" +", b" @@", b"\n", b"+", b"-", b" ",
                b"new file mode 100644\n", b"deleted file mode 100644\n", b"new file mode 120000\n",
                b"rename from ", b"rename to ", b"copy from ", b"copy to ", b"\\ No newline at end of file\n",
                b"../", b"/etc/passwd", b"\"", b"\\t", b"\\303", b"old mode 100755\n", b"GIT binary patch\n",
                b"Binary files a/x and b/x differ\n", b"160000", b"\r")
PATCH_TREE = {"drivers/x/f.c": b"int a;\nint b;\nint d;\n", "Makefile": b"obj-y += a.o\n",
              "old.lds": b"SECTIONS { }\n", "t\tab.c": b"x\n"}
_PATCH_ROOT: Path | None = None


@bounded()
def run_patch(data: bytes) -> object:
    """Read and apply a patch in memory: a result or PatchError, and every path it names inside the root."""
    global _PATCH_ROOT
    from kgclint.patch import PatchError
    from kgclint.patch.apply import apply_patches
    from kgclint.patch.parse import parse_patch

    if _PATCH_ROOT is None:
        _PATCH_ROOT = scratch_dir("patch")
        (_PATCH_ROOT / "outside-link").symlink_to("/etc")
    try:
        files = parse_patch(data)
        applied = apply_patches(files, _PATCH_ROOT, PATCH_TREE.get)
    except PatchError as exc:
        if not str(exc):
            raise PropertyViolation("PatchError without a message") from exc
        return None
    for relpath in (*applied.before, *applied.after, *applied.changes):
        parts = relpath.split("/")
        if relpath.startswith("/") or ".." in parts or parts[0] == "outside-link" or "\0" in relpath:
            raise PropertyViolation(f"patch path {relpath!r} escapes the tree root")
    return applied


@bounded()
def run_c_macros(data: bytes) -> object:
    """The C front-end's defines fed to the macro expander: every macro used with arguments, and the file's text."""
    from kgclint.c.expander import Expander
    from kgclint.c.tokens import tokenize
    from kgclint.frontends.c import parse

    facts = check_facts(parse(SourceInput("include/linux/f.h", data, "x86")), "include/linux/f.h")
    table = {d.name: d for d in facts.defines}
    expander = Expander(table.get, path="include/linux/f.h", max_steps=50_000, max_tokens=20_000)
    for name, macro in list(table.items())[:50]:
        call = name if macro.params is None else f"{name}(a, (b, c), \"s\", 1)"
        expander.expand(tokenize(call))
    expander.expand(tokenize(data.decode("latin-1")[:4096]))
    if not all(isinstance(p, str) for p in expander.problems):
        raise PropertyViolation(f"expander problems are not strings: {expander.problems!r}")
    return expander


PROJECT_USER = (b'#include <linux/f.h>\n#include "local.h"\nint v0 SEC(".x");\nDEFINE_TBL(t1, 1);\n'
                b'static int __init f(void) { asm(".pushsection .y,\\"a\\"\\n.popsection"); return 0; }\n'
                b'EXPORT_SYMBOL(f);\nINIT(f);\n')


@bounded(20.0)
def run_c_project(data: bytes) -> object:
    """A fuzzed header used by a fixed C file and .S file: the macro table and section analysis over the project."""
    from kgclint.analysis.sections import SectionIndex
    from kgclint.frontends.asm_file import parse as parse_asm
    from kgclint.frontends.c import parse
    from kgclint.inputs import InputKind
    from kgclint.project import Options, Project

    header = check_facts(parse(SourceInput("include/linux/f.h", data, "x86")), "include/linux/f.h")
    local = check_facts(parse(SourceInput("drivers/local.h", data[: len(data) // 2], "x86")), "drivers/local.h")
    user = check_facts(parse(SourceInput("drivers/a.c", PROJECT_USER + data[-512:], "x86")), "drivers/a.c")
    asm = check_facts(parse_asm(SourceInput("arch/x86/kernel/b.S", b"#include <linux/f.h>\n" + data[:2048], "x86")),
                      "arch/x86/kernel/b.S")
    project = Project(root=Path("/nonexistent"), options=Options(arch="x86"),
                      files={InputKind.C: [header, local, user], InputKind.ASM: [asm]})
    index = project.analysis(SectionIndex)
    for placement in index.placements[:50]:
        index.by_section(placement.section)
    index.referencing("f")
    pickle.dumps(index.placements)
    return index


_CPP_ROOT: Path | None = None


@bounded(30.0)
def run_lds_cpp(data: bytes) -> object:
    """A .lds.S through the cpp wrapper (all-branches mode) and the parser; nothing created outside its dirs."""
    global _CPP_ROOT
    from kgclint.lds.cpp import CppSetup, Preprocessor
    from kgclint.lds.parser import parse

    if _CPP_ROOT is None:
        _CPP_ROOT = scratch_dir("cpp")
        (_CPP_ROOT / "tree" / "arch" / "x86" / "kernel").mkdir(parents=True)
        (_CPP_ROOT / "tree" / "include" / "asm-generic").mkdir(parents=True)
        (_CPP_ROOT / "tree" / "include" / "asm-generic" / "vmlinux.lds.h").write_text(
            "#define TEXT_TEXT *(.text .text.*)\n#define KEEP_TBL(x) KEEP(*(x))\n")
        (_CPP_ROOT / "work").mkdir()
    root, outside = _CPP_ROOT / "tree", _CPP_ROOT
    script = root / "arch" / "x86" / "kernel" / "vmlinux.lds.S"
    script.write_bytes(data.replace(b"\0", b""))
    before = sorted(p.name for p in outside.iterdir())
    result = Preprocessor(CppSetup(root, "x86", work=_CPP_ROOT / "work")).preprocess("arch/x86/kernel/vmlinux.lds.S")
    parsed = parse(result.text, "arch/x86/kernel/vmlinux.lds.S")
    check_diagnostics(tuple(parsed.diagnostics), "vmlinux.lds.S")
    if sorted(p.name for p in outside.iterdir()) != before:
        raise PropertyViolation("the cpp wrapper created files outside the tree and its work dir")
    return result


DISCOVERY_NAMES = ("a.c", "b.h", "c.S", "v.lds.S", "x.lds", "o.o", "l.a", "Makefile", "Kbuild", ".config",
                   "-rf.c", "sp ace.c", "nl\nx.c", "$(x).c", ".git", "__pycache__", "d", "e", "\udcff.c")


@bounded()
def run_discovery(data: bytes) -> object:
    """Build a small tree (dirs, files, symlinks: loops, dangling, outside) from ``data`` and discover it."""
    from kgclint.discovery import discover
    from kgclint.inputs import InputKind

    top = Path(tempfile.mkdtemp(prefix="kgclint-fuzz-disc-"))
    try:
        root = top / "root"
        root.mkdir()
        dirs = [root]
        for i in range(0, min(len(data), 120) - 2, 3):
            op, a, b = data[i] % 5, data[i + 1], data[i + 2]
            parent = dirs[a % len(dirs)]
            name = DISCOVERY_NAMES[b % len(DISCOVERY_NAMES)]
            path = parent / name
            try:
                if op == 0:
                    path.mkdir()
                    dirs.append(path)
                elif op in (1, 2):
                    path.write_bytes(bytes(data[i:i + 16]))
                elif op == 3:
                    os.symlink(os.path.relpath(dirs[b % len(dirs)], parent), path)
                else:
                    os.symlink(("..", "nowhere", ".")[b % 3], path)
            except (OSError, UnicodeEncodeError):
                continue
        found, problems = discover(root, [root], frozenset(InputKind))
        relpaths = [item.relpath for item in found]
        if relpaths != sorted(set(relpaths)):
            raise PropertyViolation(f"discover returned unsorted or repeated paths: {relpaths}")
        for item in found:
            if item.relpath.startswith(("/", "../")) or not item.path.is_file():
                raise PropertyViolation(f"discover returned {item!r}")
        check_diagnostics(tuple(problems), "discovery")
        return found
    finally:
        shutil.rmtree(top, ignore_errors=True)


# --------------------------------------------------------------------------- ELF seeds, built with gcc

_OBJECT_SOURCE = """
int counter;
static int hidden = 3;
const char name[] __attribute__((section(".rodata.names"))) = "x";
static int (*table[])(void) __attribute__((used, section(".tbl.init")));
__attribute__((weak)) int weak_fn(void) { return hidden; }
static int helper(int x) { return x + counter; }
int entry(void) { return helper(weak_fn()) + (int)(long)table; }
void __attribute__((section(".init.text"))) init_fn(void) { counter = entry(); }
inline int comdat_fn(void) { return 1; }
int use_comdat(void) { return comdat_fn(); }
"""


@functools.lru_cache(maxsize=1)
def elf_seeds() -> tuple[bytes, ...]:
    """Small real objects (x86-64, arm if its gcc is there, with C++-style COMDAT) and archives of them."""
    folder = Path(tempfile.mkdtemp(prefix="kgclint-fuzz-elf-"))
    try:
        source = folder / "a.c"
        source.write_text(_OBJECT_SOURCE)
        objects: list[Path] = []
        builds = [("gcc", "x86.o", ["-O1", "-ffunction-sections", "-fdata-sections"]),
                  ("gcc", "x86g.o", ["-O0", "-g1", "-fno-inline"]),
                  ("gcc", "x86_32.o", ["-m32", "-O1", "-ffunction-sections"]),
                  ("arm-linux-gnueabi-gcc", "arm.o", ["-O1", "-ffunction-sections", "-fdata-sections"])]
        for compiler, name, flags in builds:
            if shutil.which(compiler) is None:
                continue
            done = subprocess.run([compiler, "-c", *flags, "-o", str(folder / name), str(source)],
                                  capture_output=True)
            if done.returncode == 0:
                objects.append(folder / name)
        asm = folder / "g.s"
        asm.write_text('\t.section .text.g,"axG",@progbits,grp,comdat\ng: ret\n'
                       '\t.section .data.l,"awo",@progbits,.text.g\n\t.quad g\n')
        if subprocess.run(["as", "-o", str(folder / "g.o"), str(asm)], capture_output=True).returncode == 0:
            objects.append(folder / "g.o")
        if not objects:
            raise RuntimeError("no compiler produced an object for the ELF fuzz seeds")
        seeds = [p.read_bytes() for p in objects]
        names = [p.name for p in objects[:2]]
        for flags, name in (("rcs", "lib.a"), ("rcsT", "thin.a")):
            subprocess.run(["ar", flags, name, *names], cwd=folder, check=True, capture_output=True)
            seeds.append((folder / name).read_bytes())
        return tuple(seeds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


ELF_TOKENS = (b"\x7fELF", b"\x00" * 8, b"\xff" * 8, b".text", b".rela.text", b".symtab", b"!<arch>\n",
              b"!<thin>\n", b"/               ", b"//              ", b"/SYM64/         ", b"`\n", b"/0 ",
              b"9999999999")


def mutate_archive(data: bytes, rng: random.Random, seeds: Sequence[bytes], tokens: Sequence[bytes]) -> bytes:
    """Edits of ar member headers (name, size field, end marker), then generic or ELF edits."""
    out = bytearray(data)
    if out[:8] in (b"!<arch>\n", b"!<thin>\n") and len(out) > 68 and rng.random() < 0.6:
        headers = [i for i in range(8, len(out) - 60) if out[i + 58:i + 60] == b"`\n"]
        if headers:
            at = rng.choice(headers)
            field = rng.choice(((0, 16), (48, 10), (58, 2)))
            value = rng.choice((b"/", b"//", b"/SYM64/", b"/0", b"/99999", b"-1", b"99999999", b"0", b"",
                                b"x" * 20, str(rng.randrange(1 << 20)).encode()))
            out[at + field[0]:at + field[0] + field[1]] = value[: field[1]].ljust(field[1])
            return bytes(out)
    if out[:4] == b"\x7fELF":
        return mutate_elf(data, rng, seeds, tokens)
    return mutate_bytes(data, rng, seeds, tokens)


def mutate_any_elf(data: bytes, rng: random.Random, seeds: Sequence[bytes], tokens: Sequence[bytes]) -> bytes:
    if data[:8] in (b"!<arch>\n", b"!<thin>\n"):
        return mutate_archive(data, rng, seeds, tokens)
    return mutate_elf(data, rng, seeds, tokens)


# --------------------------------------------------------------------------- the registry


def _available(module: str) -> bool:
    from importlib.util import find_spec

    try:
        return find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def harnesses() -> dict[str, Harness]:
    """Every harness whose reader exists in this tree, by name."""
    found: dict[str, Harness] = {}

    def add(harness: Harness, module: str) -> None:
        if _available(module):
            found[harness.name] = harness

    add(Harness("c", frontend_runner("kgclint.frontends.c", "parse", "drivers/x/f.c", "x86"),
                lambda: [*C_SEEDS, *corpus_files(".c", ".h")], C_TOKENS), "kgclint.frontends.c")
    add(Harness("asm-file", frontend_runner("kgclint.frontends.asm_file", "parse", "arch/arm/kernel/f.S"),
                lambda: [*ASM_SEEDS, *corpus_files(".S", ".s")], ASM_TOKENS), "kgclint.frontends.asm_file")
    add(Harness("asm-scan", run_asm_scan, lambda: [*ASM_SEEDS, *corpus_files(".S", ".s")], ASM_TOKENS),
        "kgclint.asm.scanner")
    add(Harness("lds", run_lds, lambda: [*LDS_SEEDS, *corpus_files(".lds", ".lds.S", ".ld")], LDS_TOKENS),
        "kgclint.lds.parser")
    add(Harness("lds-file", frontend_runner("kgclint.frontends.lds_file", "parse", "arch/x86/kernel/vmlinux.lds",
                                            "x86"),
                lambda: [*LDS_SEEDS, *corpus_files(".lds", ".lds.S", ".ld")], LDS_TOKENS),
        "kgclint.frontends.lds_file")
    add(Harness("elf-object", frontend_runner("kgclint.frontends.elf", "parse_object", "built/a.o"),
                lambda: [s for s in elf_seeds() if s[:4] == b"\x7fELF"], ELF_TOKENS, mutate_elf),
        "kgclint.frontends.elf")
    add(Harness("elf-archive", frontend_runner("kgclint.frontends.elf", "parse_archive", "built/lib.a"),
                lambda: list(elf_seeds()), ELF_TOKENS, mutate_any_elf), "kgclint.frontends.elf")
    add(Harness("kbuild", frontend_runner("kgclint.frontends.kbuild", "parse", "drivers/x/Makefile"),
                lambda: [*KBUILD_SEEDS, *corpus_files(names=("Makefile", "Kbuild"))], KBUILD_TOKENS),
        "kgclint.frontends.kbuild")
    add(Harness("kconfig", frontend_runner("kgclint.frontends.kconfig", "parse", ".config"),
                lambda: [*KCONFIG_SEEDS, *corpus_files(names=(".config",))], KCONFIG_TOKENS),
        "kgclint.frontends.kconfig")
    add(Harness("c-macros", run_c_macros, lambda: [*C_SEEDS, *corpus_files(".h", ".c")], C_TOKENS),
        "kgclint.c.expander")
    add(Harness("c-project", run_c_project, lambda: [*C_SEEDS, *corpus_files(".h")], C_TOKENS, examples=80),
        "kgclint.analysis.sections")
    add(Harness("lds-cpp", run_lds_cpp, lambda: [*LDS_SEEDS, *corpus_files(".lds", ".lds.S")],
                LDS_TOKENS + (b"#include <asm-generic/vmlinux.lds.h>\n", b"#ifdef CONFIG_X\n", b"#else\n",
                              b"TEXT_TEXT", b"KEEP_TBL(.t)", b"#include \"../x.h\"\n"), examples=60),
        "kgclint.lds.cpp")
    add(Harness("discovery", run_discovery, lambda: [bytes(range(256)), b"\x00\x01\x02" * 20, b"\x03\x00\x10" * 20],
                (b"\x00", b"\x01", b"\x03", b"\x04", b"\x02"), examples=60), "kgclint.discovery")
    add(Harness("patch", run_patch, lambda: list(PATCH_SEEDS), PATCH_TOKENS), "kgclint.patch.apply")
    add(Harness("config", run_config, lambda: [*TOML_SEEDS, *corpus_files(".toml")], TOML_TOKENS), "kgclint.config")
    add(Harness("suppressions", run_suppressions, lambda: [*SUPPRESSION_SEEDS, *C_SEEDS], SUPPRESSION_TOKENS),
        "kgclint.suppressions")
    return found


def generate(harness: Harness, seeds: Sequence[bytes], rng: random.Random) -> bytes:
    """One input: a mutated seed (mostly), a splice of tokens, or raw bytes."""
    choice = rng.random()
    if choice < 0.75 and seeds:
        mutate = harness.mutate or mutate_bytes
        data = rng.choice(seeds)
        for _ in range(rng.randint(1, 3)):
            data = mutate(data, rng, seeds, harness.tokens)
        return data
    if choice < 0.95:
        return b"".join(rng.choice(harness.tokens) for _ in range(rng.randint(1, 200)))
    return bytes(rng.randrange(256) for _ in range(rng.randint(0, 512)))
