"""Build-directory mode, ``kgclint gc`` and ``kgclint why`` on a small Kbuild-shaped O= directory.

The directory is made the way Kbuild makes one: thin ``vmlinux.a`` and
``lib/lib.a`` (``ar cDPrST`` / ``cDPrsT``), ``init/version-timestamp.o``, a
generated ``arch/x86/kernel/vmlinux.lds``, and the ``.vmlinux.o.cmd`` and
``.vmlinux.cmd`` records. The link Kbuild would run is run for real, and
kgclint's output in the linker's own format must equal the linker's.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from test_obj_oracle import asm
from toolchain import require, run

from kgclint.builddir import inputs, vmlinux_link
from kgclint.commands.gc import normalise
from kgclint.cli import main as cli_main

HEAD = asm("""
    .globl _start
    .section .head.text,"ax",%progbits
_start: call start_kernel
""")
MAIN = asm("""
    .section .text.start_kernel,"ax",%progbits
    .globl start_kernel
start_kernel: call lib_used
    ret
    .section .text.unused_in_main,"ax",%progbits
    .globl unused_in_main
unused_in_main: ret
    .section .initcall6.init,"a",%progbits
    .dc.a driver_init
    .section .text.driver_init,"ax",%progbits
driver_init: ret
""")
LIB_USED = asm("""
    .section .text.lib_used,"ax",%progbits
    .globl lib_used
lib_used: ret
""")
LIB_UNUSED = asm("""
    .section .text.lib_never,"ax",%progbits
    .globl lib_never
lib_never: ret
""")
STAMP = asm("""
    .section .rodata.linux_banner,"a",%progbits
    .globl linux_banner
linux_banner: .asciz "Linux"
""")
SCRIPT = """ENTRY(_start)
SECTIONS
{
 .text : { KEEP(*(.head.text)) *(.text .text.*) }
 .rodata : { *(.rodata .rodata.*) }
 .init.data : { __initcall_start = .; %s __initcall_end = .; }
 /DISCARD/ : { *(.note.GNU-stack) }
}
"""


def make_build_dir(root: Path, keep_initcalls: bool = True) -> Path:
    build = root / "O"
    for rel, text in {
        "arch/x86/kernel/head_64.s": HEAD, "init/main.s": MAIN, "lib/used.s": LIB_USED,
        "lib/unused.s": LIB_UNUSED, "init/version-timestamp.s": STAMP,
    }.items():
        src = build / rel
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_text(text)
        run([require("as"), str(src), "-o", str(src.with_suffix(".o"))])
    run([require("ar"), "cDPrST", "vmlinux.a", "arch/x86/kernel/head_64.o", "init/main.o"], cwd=build)
    run([require("ar"), "cDPrsT", "lib.a", "used.o", "unused.o"], cwd=build / "lib")
    script = build / "arch/x86/kernel/vmlinux.lds"
    script.write_text(SCRIPT % ("KEEP(*(.initcall6.init))" if keep_initcalls else "*(.initcall6.init)"))
    (build / ".config").write_text("CONFIG_LD_DEAD_CODE_DATA_ELIMINATION=y\n")
    (build / ".vmlinux.o.cmd").write_text(
        "savedcmd_vmlinux.o := ld -m elf_x86_64 -z noexecstack -r -o vmlinux.o --whole-archive vmlinux.a "
        "--no-whole-archive --start-group lib/lib.a --end-group \n"
    )
    (build / ".vmlinux.cmd").write_text(
        'savedcmd_vmlinux := scripts/link-vmlinux.sh "ld" "-m elf_x86_64" "--gc-sections --build-id=sha1";  true\n'
    )
    return build


def linker_output(build: Path, linker: str) -> str:
    """What the linker prints for the link Kbuild records, with --print-gc-sections."""
    ld = require("ld.lld") if linker == "lld" else require("ld")
    argv = [ld, "-m", "elf_x86_64", "--gc-sections", "--print-gc-sections", "--script=arch/x86/kernel/vmlinux.lds",
            "-o", "vmlinux", "--whole-archive", "vmlinux.a", "init/version-timestamp.o", "--no-whole-archive",
            "--start-group", "lib/lib.a", "--end-group"]
    done = subprocess.run(argv, cwd=build, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stderr + done.stdout


def test_vmlinux_link_is_read_from_kbuild_records(tmp_path: Path) -> None:
    build = make_build_dir(tmp_path)
    link = vmlinux_link(build)
    assert link.srcarch == "x86" and link.script == "arch/x86/kernel/vmlinux.lds" and link.config == ".config"
    assert [(i.path, i.whole) for i in link.items] == [
        ("vmlinux.a", True), ("init/version-timestamp.o", True), ("lib/lib.a", False),
    ]
    assert link.linker == "bfd" and link.gc_sections
    names = [p.relative_to(build).as_posix() for p in inputs(build)]
    assert names[:5] == ["arch/x86/kernel/vmlinux.lds", ".config", "vmlinux.a", "init/version-timestamp.o", "lib/lib.a"]
    assert {"arch/x86/kernel/head_64.o", "init/main.o", "lib/used.o", "lib/unused.o"} <= set(names)


@pytest.mark.parametrize("linker", ["bfd", "lld"])
def test_gc_print_gc_sections_equals_the_linker(linker: str, tmp_path: Path, capsys) -> None:
    """The inspectable output: `kgclint gc --print-gc-sections` diffs empty against the linker's."""
    build = make_build_dir(tmp_path, keep_initcalls=False)
    real = normalise(linker_output(build, linker))
    assert real
    assert cli_main(["gc", "--print-gc-sections", "--build-dir", str(build), "--linker", linker]) == 0
    mine = normalise(capsys.readouterr().out)
    assert mine == real  # same lines, same order
    saved = tmp_path / "ld.txt"
    saved.write_text(linker_output(build, linker))
    assert cli_main(["gc", "--build-dir", str(build), "--linker", linker, "--compare", str(saved)]) == 0
    assert "only the linker drops: 0  only kgclint drops: 0" in capsys.readouterr().out


def test_gc_on_objects_and_script(tmp_path: Path, capsys) -> None:
    build = make_build_dir(tmp_path)
    args = ["gc", "--script", str(build / "arch/x86/kernel/vmlinux.lds"),
            str(build / "arch/x86/kernel/head_64.o"), str(build / "init/main.o")]
    assert cli_main(args) == 0
    out = capsys.readouterr().out
    assert "'.text.unused_in_main'" in out and ".text.driver_init" not in out


def test_why_kept_and_dropped(tmp_path: Path, capsys) -> None:
    build = make_build_dir(tmp_path, keep_initcalls=False)
    assert cli_main(["why", "lib_used", "--build-dir", str(build)]) == 0
    out = capsys.readouterr().out
    assert "lib/used.o:(.text.lib_used) is kept by bfd" in out
    assert "root: arch/x86/kernel/head_64.o:(.head.text): KEEP in the linker script" in out
    assert "-> init/main.o:(.text.start_kernel) (relocation against start_kernel)" in out
    assert cli_main(["why", ".text.driver_init", "--build-dir", str(build)]) == 0
    out = capsys.readouterr().out
    assert "is dropped by bfd" in out and "init/main.o:(.initcall6.init) via (section)" in out
    assert cli_main(["why", "no_such_thing", "--build-dir", str(build)]) == 1


def test_lazy_member_is_not_linked(tmp_path: Path, capsys) -> None:
    """lib/unused.o defines nothing anyone needs: neither linker extracts it, so neither names its sections."""
    build = make_build_dir(tmp_path)
    assert cli_main(["gc", "--build-dir", str(build)]) == 0
    out = capsys.readouterr().out
    assert "unused.o" not in out and "unused.o" not in linker_output(build, "bfd")


@pytest.mark.parametrize("argv,expected", [
    (["gc", "--build-dir", "{tmp}"], "no vmlinux link recorded"),
    (["why", "x", "--build-dir", "{tmp}/nothing"], "not a directory"),
    (["gc", "--script", "{tmp}/missing.lds", "{tmp}/a.o"], "no such file"),
    (["gc"], "give objects and archives, or --build-dir"),
])
def test_commands_reject_bad_arguments_without_traceback(argv: list[str], expected: str, tmp_path: Path) -> None:
    (tmp_path / "a.o").write_bytes(b"\x7fELF")
    with pytest.raises(SystemExit) as exc:
        cli_main([a.replace("{tmp}", str(tmp_path)) for a in argv])
    assert expected in str(exc.value.code)


def test_gc_reports_a_bad_object_and_goes_on(tmp_path: Path, capsys) -> None:
    build = make_build_dir(tmp_path)
    bad = tmp_path / "bad.o"
    bad.write_bytes(b"garbage")
    assert cli_main(["gc", "--script", str(build / "arch/x86/kernel/vmlinux.lds"), str(bad),
                     str(build / "arch/x86/kernel/head_64.o"), str(build / "init/main.o")]) == 0
    captured = capsys.readouterr()
    assert "bad.o: not an ELF file (bad magic)" in captured.err
    assert "'.text.unused_in_main'" in captured.out
