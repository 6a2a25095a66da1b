"""``.S`` files rescanned with the tree's macros: what cpp would give the assembler.

Each case is a small tree; the expanded scan must agree with the object
GCC makes from the same ``.S`` file with the tree's include path.
"""

from __future__ import annotations

from pathlib import Path

from kgclint.asm.expand import ExpandedAsmFiles
from kgclint.engine import build_project
from kgclint.inputs import InputKind
from kgclint.project import Options
from test_asm_helpers import elf_sections, predicted
from toolchain import try_compile

INIT_H = """\
#ifndef _LINUX_INIT_H
#define _LINUX_INIT_H
#define __HEAD .section ".head.text","ax"
#define __INIT .section ".init.text","ax"
#define __FINIT .previous
#ifndef __ASSEMBLY__
#define __INITDATA __attribute__((section(".init.data")))
#else
#define __INITDATA .section ".init.data","aw",%progbits
#endif
#endif
"""
EXTABLE_H = """\
#ifdef __ASSEMBLY__
# define _ASM_EXTABLE(from, to) .pushsection "__ex_table","a" ; .balign 4 ; .long (from) - . ; .long (to) - . ; .popsection
#else
# define _ASM_EXTABLE(from, to) " .pushsection \\"__ex_table\\",\\"a\\"\\n"
#endif
"""
ENTRY_S = """\
#include <linux/init.h>
#include <asm/extable.h>
#define LOCAL_TBL .pushsection .local.tbl, "a"
#define OPEN_TBL .pushsection .cont.tbl, "a"
#define CLOSE_TBL(x, y) x ; y ; .popsection

	__HEAD
	.globl	startup
startup:
	nop
	__INIT
1:	nop
2:	ret
	_ASM_EXTABLE(1b, 2b)
	__FINIT
	__INITDATA
	.long	5
	LOCAL_TBL
	.long	6
	.popsection
	OPEN_TBL
	.long	7
	CLOSE_TBL(.long 8, \\
		  .long 9)
	.long	10
"""


def _tree(root: Path) -> None:
    (root / "include/linux").mkdir(parents=True)
    (root / "arch/x86/include/asm").mkdir(parents=True)
    (root / "arch/x86/kernel").mkdir(parents=True)
    (root / "include/linux/init.h").write_text(INIT_H)
    (root / "arch/x86/include/asm/extable.h").write_text(EXTABLE_H)
    (root / "arch/x86/kernel/entry.S").write_text(ENTRY_S)


def test_expanded_scan_matches_gcc(tmp_path):
    _tree(tmp_path)
    project = build_project(tmp_path, [tmp_path], Options(), {InputKind.C, InputKind.ASM})
    expanded = project.analysis(ExpandedAsmFiles)
    result = expanded.scans["arch/x86/kernel/entry.S"]
    obj = tmp_path / "entry.o"
    done = try_compile(tmp_path / "arch/x86/kernel/entry.S", obj, arch="x86_64",
                       flags=("-D__ASSEMBLY__", f"-I{tmp_path}/include", f"-I{tmp_path}/arch/x86/include"))
    assert done.returncode == 0, done.stderr
    made = elf_sections(obj)
    for name, attrs in predicted(result).items():
        assert made[name] == attrs, name
    assert {".head.text", ".init.text", "__ex_table", ".init.data", ".local.tbl"} <= set(predicted(result))
    head = next(p for p in result.placements if p.section == ".head.text")
    assert head.symbol == "startup"
    assert [m.name for m in head.macros] == ["__HEAD"]
    assert head.macros[0].defined_at.path == "include/linux/init.h"
    assert expanded.expanded["arch/x86/kernel/entry.S"] == (7, 11, 14, 15, 16, 18, 21, 23)
    from kgclint.asm.stack import replay

    assert replay(result) == ()  # the pop inside the continued CLOSE_TBL(...) is seen
    assert made[".cont.tbl"].type == "progbits"


def test_without_c_facts_the_front_end_facts_stand(tmp_path):
    _tree(tmp_path)
    project = build_project(tmp_path, [tmp_path / "arch/x86/kernel"], Options(), {InputKind.ASM})
    [facts] = project.facts(InputKind.ASM)
    assert project.analysis(ExpandedAsmFiles).scans[facts.path] is facts
