"""The GC simulation against the real linkers: kgclint's dropped set must equal ``--print-gc-sections``.

Every case is compiled (gcc / arm-linux-gnueabi-gcc) or assembled (GNU as
of each target) at test time, linked with GNU ld and ld.lld using
``--gc-sections --print-gc-sections``, and the sections kgclint's
simulation drops must be exactly the sections the linker names, one for
one. The cases cover the object-level defect classes of DOMAIN.md §3
(tables without KEEP, name collisions, the asm-comment note hack,
inline-asm tables, orphans, entry points, archives, SHF_LINK_ORDER and
over-retention, linker differences) and the ELF corners the simulation
must get right (groups, COMDAT, notes, retain, init arrays, start/stop
symbols, non-alloc sections, ``/DISCARD/``, weak symbols, compressed and
SHN_XINDEX objects), on x86_64 and arm with C, and on every target with a
Debian cross assembler with assembly.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from toolchain import compile_c, parse_print_gc_sections, require, run

from kgclint.analysis.gc import (
    GcOptions,
    LinkInput,
    archive_input,
    dropped_pairs,
    load_script,
    object_input,
    removed_lines,
    simulate,
)

#: GNU binutils prefix per target this module assembles for (Debian's binutils-<triplet> packages).
BINUTILS = {
    "x86_64": "",
    "arm": "arm-linux-gnueabi-",
    "arm64": "aarch64-linux-gnu-",
    "riscv64": "riscv64-linux-gnu-",
    "powerpc64le": "powerpc64le-linux-gnu-",
    "powerpc64": "powerpc64-linux-gnu-",
    "mips": "mips-linux-gnu-",
    "mips64el": "mips64el-linux-gnuabi64-",
}
ASM_ARCHES = tuple(BINUTILS)
C_ARCHES = ("x86_64", "arm")


@dataclass(frozen=True)
class Case:
    """One link: sources per object, archives, a script, and the link options.

    ``objects`` maps an object name to its source text (``.c`` or ``.s`` by
    the name's suffix). ``archives`` maps an archive name to
    (member sources, thin, whole). ``order`` is the command-line order of
    objects and archives (default: objects, then archives).
    """

    name: str
    objects: dict[str, str]
    script: str | None = None
    archives: dict[str, tuple[dict[str, str], bool, bool]] = field(default_factory=dict)
    entry: str | None = None
    undefined: tuple[str, ...] = ()
    z_start_stop: str | None = None
    cflags: tuple[str, ...] = ()
    order: tuple[str, ...] = ()


def asm(text: str) -> str:
    """Assembly shared by every target: ``%`` section types, ``.dc.a`` address-sized data."""
    return "\n".join(line.strip() for line in text.strip().splitlines()) + "\n"


BASIC = asm("""
    .globl _start
    .section .text._start,"ax",%progbits
_start: .dc.a used_fn
    .dc.a .Llocal
    .section .text.used_fn,"ax",%progbits
    .globl used_fn
used_fn: .dc.a used_data
    .section .text.dead_fn,"ax",%progbits
    .globl dead_fn
dead_fn: .dc.a dead_data
    .section .data.used_data,"aw",%progbits
used_data: .long 1
    .section .data.dead_data,"aw",%progbits
dead_data: .long 2
    .section .rodata.local,"a",%progbits
.Llocal: .long 3
    .section .rodata.unreached,"a",%progbits
    .long 4
""")

START_STOP = asm("""
    .globl _start
    .section .text._start,"ax",%progbits
_start: .dc.a __start_mytab
    .dc.a __stop_mytab
    .dc.a __start_scripted
    .section mytab,"aw",%progbits
    .long 1
    .section othertab,"aw",%progbits
    .long 2
    .section scripted,"aw",%progbits
    .long 3
    .section .text.in_tab,"ax",%progbits
in_tab: .long 0
    .section mytab,"aw",%progbits
    .dc.a in_tab
""")
START_STOP_SCRIPT = """
ENTRY(_start)
SECTIONS {
  .text : { *(.text .text.*) }
  scripted : { __start_scripted = .; *(scripted) }
}
"""

GROUPS = asm("""
    .globl _start
    .section .text._start,"ax",%progbits
_start: .dc.a f_grp
    .section .text.f_grp,"axG",%progbits,f_grp,comdat
    .globl f_grp
f_grp: .long 0
    .section .data.f_grp,"awG",%progbits,f_grp,comdat
    .long 5
    .section .text.g_grp,"axG",%progbits,g_grp,comdat
    .globl g_grp
g_grp: .long 0
    .section .note.in_grp,"aG",%note,g_grp,comdat
    .long 5
    .section .text.h_plain,"axG",%progbits,h_grp
h_plain: .long 0
    .section .data.h_plain,"awG",%progbits,h_grp
    .long 6
""")
GROUPS_DUP = asm("""
    .section .text.f_grp,"axG",%progbits,f_grp,comdat
    .globl f_grp
f_grp: .long 0
    .section .data.f_grp,"awG",%progbits,f_grp,comdat
    .long 5
    .section .text.other,"ax",%progbits
    .globl other
other: .dc.a f_grp
""")

LINK_ORDER = asm("""
    .globl _start
    .section .text._start,"ax",%progbits
_start: .dc.a live_fn
    .section .text.live_fn,"ax",%progbits
live_fn: .long 0
    .section .text.dead_fn,"ax",%progbits
dead_fn: .long 0
    .section ex_ao,"ao",%progbits,.text.live_fn
    .dc.a fixup_live
    .section ex_ao,"ao",%progbits,.text.dead_fn,unique,1
    .dc.a fixup_dead
    .section .fixup.live,"ax",%progbits
fixup_live: .long 0
    .section .fixup.dead,"ax",%progbits
fixup_dead: .long 0
""")
LINK_ORDER_SCRIPT = """
ENTRY(_start)
SECTIONS {
  .text : { *(.text .text.*) *(.fixup.*) }
  ex : { __ex_start = .; %s __ex_end = .; }
}
"""

OVER_RETENTION = asm("""
    .globl _start
    .section .text._start,"ax",%progbits
_start: .dc.a __ex_start
    .dc.a __ex_end
    .section .text.get_user_dead,"ax",%progbits
get_user_dead: .long 0
    .section __ex_table,"a",%progbits
    .dc.a get_user_dead
    .dc.a fixup_dead
    .section .fixup,"ax",%progbits
fixup_dead: .long 0
    .section .text.truly_dead,"ax",%progbits
    .long 0
""")
EX_TABLE_SCRIPT = """
ENTRY(_start)
SECTIONS {
  .text : { *(.text .text.*) *(.fixup) }
  __ex_table : { __ex_start = .; KEEP(*(__ex_table)) __ex_end = .; }
}
"""

RESERVED = asm("""
    .globl _start
    .section .text._start,"ax",%progbits
_start: .long 0
    .section .init,"ax",%progbits
    .long 1
    .section .fini,"ax",%progbits
    .long 1
    .section .init.text,"ax",%progbits
    .long 1
    .section .init.setup,"aw",%progbits
    .long 1
    .section .ctors.5,"aw",%progbits
    .long 1
    .section .dtors,"aw",%progbits
    .long 1
    .section .jcr,"aw",%progbits
    .long 1
    .section .init_array.5,"aw",%init_array
    .dc.a ctor_fn
    .section .preinit_array,"aw",%preinit_array
    .long 1
    .section .fini_array,"aw",%fini_array
    .long 1
    .section .text.ctor_fn,"ax",%progbits
ctor_fn: .long 0
    .section .note.kept,"a",%note
    .long 1
    .section .text.retained,"axR",%progbits
    .dc.a from_retained
    .section .text.from_retained,"ax",%progbits
from_retained: .long 0
""")

NON_ALLOC = asm("""
    .globl _start
    .section .text._start,"ax",%progbits
_start: .long 0
    .section .text.only_from_nonalloc,"ax",%progbits
ofna: .long 0
    .section .nonalloc_reloc,"",%progbits
    .dc.a ofna
    .section .nonalloc_plain,"",%progbits
    .long 7
    .section .comment,"MS",%progbits,1
    .asciz "kgclint"
""")
NOTHING_KEPT = asm("""
    .section .text.nobody,"ax",%progbits
    .long 0
    .section .nonalloc_plain,"",%progbits
    .long 7
    .section .comment,"MS",%progbits,1
    .asciz "kgclint"
""")

DISCARD = asm("""
    .globl _start
    .section .text._start,"ax",%progbits
_start: .long 0
    .section .disc.kept,"ax",%progbits
    .dc.a from_discarded
    .section .disc.plain,"ax",%progbits
    .long 0
    .section .text.from_discarded,"ax",%progbits
from_discarded: .long 0
""")
DISCARD_SCRIPT = """
ENTRY(_start)
SECTIONS {
  .text : { *(.text .text.*) }
  /DISCARD/ : { *(.disc.*) }
  .kept : { KEEP(*(.disc.kept)) }
}
"""

WEAK_A = asm("""
    .globl _start
    .section .text._start,"ax",%progbits
_start: .dc.a hook
    .dc.a only_weak
    .section .text.hook,"ax",%progbits
    .weak hook
hook: .long 0
    .section .text.only_weak,"ax",%progbits
    .weak only_weak
only_weak: .long 0
""")
WEAK_B = asm("""
    .section .text.hook,"ax",%progbits
    .globl hook
hook: .long 1
    .section .text.b_unused,"ax",%progbits
    .long 2
""")

ENTRY_U = asm("""
    .section .text.head,"ax",%progbits
    .globl head_entry
head_entry: .dc.a from_head
    .section .text.from_head,"ax",%progbits
from_head: .long 0
    .section .text.vector,"ax",%progbits
    .globl vector
vector: .long 0
    .section .text.nobody,"ax",%progbits
    .long 0
""")

ARCHIVE_MAIN = asm("""
    .globl _start
    .section .text._start,"ax",%progbits
_start: .dc.a lib_used
""")
ARCHIVE_USED = asm("""
    .section .text.lib_used,"ax",%progbits
    .globl lib_used
lib_used: .dc.a lib_helper
    .section .text.lib_unused_in_member,"ax",%progbits
    .globl lib_unused_in_member
lib_unused_in_member: .long 0
""")
ARCHIVE_HELPER = asm("""
    .section .text.lib_helper,"ax",%progbits
    .globl lib_helper
lib_helper: .long 0
""")
ARCHIVE_EXPORT_ONLY = asm("""
    .section .text.exported_only,"ax",%progbits
    .globl exported_only
exported_only: .long 0
    .section ___ksymtab,"a",%progbits
    .dc.a exported_only
""")

SCRIPT_TEXT = """
ENTRY(_start)
SECTIONS {
  .text : { *(.text .text.*) }
  .rodata : { *(.rodata .rodata.*) }
  .data : { *(.data .data.*) }
}
"""

C_TABLE = r"""
struct entry { int (*fn)(void); };
#define TABLE_ENTRY(fn) static const struct entry __entry_##fn __attribute__((section("mytab"), used)) = { fn }
static int a(void) { return 1; }
static int b(void) { return 2; }
TABLE_ENTRY(a);
TABLE_ENTRY(b);
extern const struct entry __mytab_start[], __mytab_end[];
int walk(void) { int s = 0; for (const struct entry *e = __mytab_start; e < __mytab_end; e++) s += e->fn(); return s; }
int _start(void) { return walk(); }
int unused_fn(int x) { return x * 7; }
static int collide __attribute__((section(".text.collide"), used)) = 3;
static int lost_by_gcc __attribute__((section("mytab"))) = 9; /* not used: GCC drops it before any linker */
"""
C_TABLE_SCRIPT = """
ENTRY(_start)
SECTIONS {
  .text : { *(.text .text.*) }
  .rodata : { *(.rodata .rodata.*) }
  .data : { *(.data .data.*) }
  mytab : { __mytab_start = .; %s __mytab_end = .; }
}
"""

C_NOTES_X86 = r"""
int _start(void) { return 0; }
static const char hack[] __attribute__((section("hacked,\"a\",@note #"), used)) = "x";
static const char plain[] __attribute__((section("plain_tab"), used)) = "y";
int keep_me(void) __attribute__((retain, used));
int keep_me(void) { return 3; }
"""
C_NOTES_ARM = C_NOTES_X86.replace('@note #', '%note @')

C_INLINE_ASM = r"""
static int target_fn(int x) { return x + 1; }
int caller(int x)
{
    asm volatile(".pushsection .patch_sites,\"a\"\n\t.long 1f\n\t.popsection\n1:" ::: "memory");
    return target_fn(x);
}
int _start(void) { return 0; }
"""

C_EXIDX = r"""
extern int ext(int);
int live(int x) { return ext(x) + 1; }
int dead(int x) { return ext(x) * 2; }
int _start(void) { return live(3); }
int ext(int x) { return x; }
"""

C_EH_FRAME = r"""
int live(int x) { return x + 1; }
int dead(int x) { return x * 2; }
int _start(void) { return live(3); }
"""

C_DEBUG = r"""
int nobody(int x) { return x * 5; }
"""


def _cases(arch: str) -> list[Case]:
    """The assembly cases every target runs."""
    keep = "KEEP(*(ex_ao))"
    return [
        Case("basic-reach", {"a.s": BASIC}, SCRIPT_TEXT),
        Case("basic-no-script", {"a.s": BASIC}, None),
        Case("start-stop-default", {"a.s": START_STOP}, START_STOP_SCRIPT),
        Case("start-stop-gc", {"a.s": START_STOP}, START_STOP_SCRIPT, z_start_stop="start-stop-gc"),
        Case("nostart-stop-gc", {"a.s": START_STOP}, START_STOP_SCRIPT, z_start_stop="nostart-stop-gc"),
        Case("groups-comdat", {"a.s": GROUPS, "b.s": GROUPS_DUP}, SCRIPT_TEXT),
        Case("link-order", {"a.s": LINK_ORDER}, LINK_ORDER_SCRIPT % "*(ex_ao)"),
        Case("link-order-keep", {"a.s": LINK_ORDER}, LINK_ORDER_SCRIPT % keep),
        Case("over-retention", {"a.s": OVER_RETENTION}, EX_TABLE_SCRIPT),
        Case("reserved-and-roots", {"a.s": RESERVED}, SCRIPT_TEXT),
        Case("non-alloc", {"a.s": NON_ALLOC, "b.s": NOTHING_KEPT}, SCRIPT_TEXT),
        Case("discard-and-keep", {"a.s": DISCARD}, DISCARD_SCRIPT),
        Case("weak-strong", {"a.s": WEAK_A, "b.s": WEAK_B}, SCRIPT_TEXT),
        Case("entry-and-u", {"a.s": ENTRY_U}, "SECTIONS { .text : { *(.text.*) } }", entry="head_entry", undefined=("vector",)),
        Case(
            "archive-lazy",
            {"main.s": ARCHIVE_MAIN},
            SCRIPT_TEXT,
            archives={"lib.a": ({"used.s": ARCHIVE_USED, "helper.s": ARCHIVE_HELPER, "export.s": ARCHIVE_EXPORT_ONLY}, False, False)},
        ),
        Case(
            "archive-thin-whole",
            {"main.s": ARCHIVE_MAIN},
            SCRIPT_TEXT,
            archives={"built-in.a": ({"used.s": ARCHIVE_USED, "helper.s": ARCHIVE_HELPER, "export.s": ARCHIVE_EXPORT_ONLY}, True, True)},
        ),
        Case(
            "archive-thin-lazy",
            {"main.s": ARCHIVE_MAIN},
            SCRIPT_TEXT,
            archives={"lib.a": ({"used.s": ARCHIVE_USED, "helper.s": ARCHIVE_HELPER, "export.s": ARCHIVE_EXPORT_ONLY}, True, False)},
        ),
    ]


def _c_cases(arch: str) -> list[Case]:
    """C cases, compiled as Kbuild compiles for GC (function and data sections)."""
    notes = C_NOTES_X86 if arch == "x86_64" else C_NOTES_ARM
    cases = [
        Case("c-table-no-keep", {"t.c": C_TABLE}, C_TABLE_SCRIPT % "*(mytab)"),
        Case("c-table-keep", {"t.c": C_TABLE}, C_TABLE_SCRIPT % "KEEP(*(mytab))"),
        Case("c-notes-retain-hack", {"n.c": notes}, SCRIPT_TEXT),
        Case("c-inline-asm-table", {"i.c": C_INLINE_ASM}, SCRIPT_TEXT),
        Case("c-eh-frame", {"e.c": C_EH_FRAME}, SCRIPT_TEXT, cflags=("-fasynchronous-unwind-tables",)),
        Case("c-debug-compressed", {"m.c": C_EH_FRAME, "d.c": C_DEBUG}, SCRIPT_TEXT, cflags=("-g", "-gz=zlib")),
    ]
    if arch == "arm":
        cases.append(Case("c-arm-exidx", {"x.c": C_EXIDX}, SCRIPT_TEXT, cflags=("-funwind-tables",)))
    return cases


def _build(case: Case, arch: str, work: Path) -> list[tuple[str, Path, bool]]:
    """Compile/assemble every source and make the archives; return the link items (kind, path, whole)."""
    prefix = BINUTILS[arch]
    items: dict[str, tuple[str, Path, bool]] = {}

    def make_object(name: str, text: str) -> Path:
        src = work / name
        src.write_text(text)
        out = src.with_suffix(".o")
        if name.endswith(".c"):
            compile_c(src, out, arch=arch, flags=case.cflags)
        else:
            run([require(prefix + "as"), str(src), "-o", str(out)])
        return out

    for name, text in case.objects.items():
        items[name] = ("obj", make_object(name, text), False)
    for archive, (members, thin, whole) in case.archives.items():
        objs = [make_object(name, text) for name, text in members.items()]
        path = work / archive
        flags = "rcsT" if thin else "rcs"
        run([require(prefix + "ar"), flags, str(path), *map(str, objs)])
        items[archive] = ("archive", path, whole)
    order = case.order or tuple(items)
    return [items[k] for k in order]


def _link(case: Case, arch: str, linker: str, items, script: Path | None, work: Path) -> frozenset[tuple[str, str]]:
    """The linker's own --print-gc-sections list for this case."""
    ld = require("ld.lld") if linker == "lld" else require(BINUTILS[arch] + "ld")
    argv = [ld, "--gc-sections", "--print-gc-sections", "-o", str(work / f"out.{linker}")]
    if case.entry:
        argv += ["-e", case.entry]
    for symbol in case.undefined:
        argv += ["-u", symbol]
    if case.z_start_stop:
        argv += ["-z", case.z_start_stop]
    if script is not None:
        argv += ["-T", str(script)]
    for kind, path, whole in items:
        if kind == "archive" and whole:
            argv += ["--whole-archive", str(path), "--no-whole-archive"]
        else:
            argv.append(str(path))
    done = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=work)
    return parse_print_gc_sections(done.stderr + done.stdout)


def simulate_case(case: Case, linker: str, items, script: Path | None):
    """kgclint's simulation of the same link."""
    inputs: list[LinkInput] = []
    for kind, path, whole in items:
        if kind == "archive":
            inputs.append(archive_input(path, str(path), whole=whole)[0])
        else:
            inputs.append(object_input(path, str(path)))
    model = load_script(script, linker)[0] if script is not None else None
    z = None if case.z_start_stop is None else case.z_start_stop == "start-stop-gc"
    options = GcOptions(linker=linker, entry=case.entry, undefined=case.undefined, start_stop_gc=z)
    return simulate(inputs, model, options)


def default_script(arch: str, work: Path) -> Path:
    """GNU ld's built-in script (``ld --verbose``): what a link without ``-T`` uses, given to kgclint as a file."""
    text = run([require(BINUTILS[arch] + "ld"), "--verbose"]).stdout
    body = text.split("=" * 50)[1]
    path = work / "default.lds"
    path.write_text(body)
    return path


def _check(case: Case, arch: str, linker: str, tmp_path: Path) -> None:
    items = _build(case, arch, tmp_path)
    script = None
    if case.script is not None:
        script = tmp_path / "link.lds"
        script.write_text(case.script)
    real = _link(case, arch, linker, items, script, tmp_path)
    simulated_script = script
    if script is None and linker == "bfd":
        simulated_script = default_script(arch, tmp_path)
    result = simulate_case(case, linker, items, simulated_script)
    mine = dropped_pairs(result)
    assert real, f"{case.name}: the linker removed nothing; the case proves nothing"
    assert mine == real, (
        f"{case.name} ({arch}, {linker}): only the linker drops {sorted(real - mine)}; "
        f"only kgclint drops {sorted(mine - real)}"
    )
    # The printed form, parsed back by the same parser as the linker's, is the same set.
    assert parse_print_gc_sections("\n".join(removed_lines(result))) == real


ASM_PARAMS = [
    pytest.param(case, arch, linker, id=f"{case.name}-{arch}-{linker}")
    for arch in ASM_ARCHES
    for case in _cases(arch)
    for linker in ("bfd", "lld")
]
C_PARAMS = [
    pytest.param(case, arch, linker, id=f"{case.name}-{arch}-{linker}")
    for arch in C_ARCHES
    for case in _c_cases(arch)
    for linker in ("bfd", "lld")
]


@pytest.mark.parametrize(("case", "arch", "linker"), ASM_PARAMS)
def test_asm_case_matches_linker(case: Case, arch: str, linker: str, tmp_path: Path) -> None:
    _check(case, arch, linker, tmp_path)


@pytest.mark.parametrize(("case", "arch", "linker"), C_PARAMS)
def test_c_case_matches_linker(case: Case, arch: str, linker: str, tmp_path: Path) -> None:
    _check(case, arch, linker, tmp_path)


@pytest.mark.parametrize("linker", ["bfd", "lld"])
def test_gc_over_more_than_65280_sections(linker: str, tmp_path: Path) -> None:
    """An object past SHN_LORESERVE (SHN_XINDEX indexes): every other function is dead; same set as the linker."""
    count = 65400
    text = (
        ".altmacro\n.macro sec n\n.section .text.s\\n,\"ax\",@progbits\n.globl f\\n\nf\\n: ret\n.endm\n"
        f".set i,0\n.rept {count}\nsec %i\n.set i,i+1\n.endr\n"
        ".macro ref n\n.dc.a f\\n\n.endm\n.section .text._start,\"ax\",@progbits\n.globl _start\n_start:\n"
        f".set i,0\n.rept {count // 2}\nref %i\n.set i,i+2\n.endr\n"
    )
    case = Case("xindex", {"big.s": text}, SCRIPT_TEXT)
    _check(case, "x86_64", linker, tmp_path)
