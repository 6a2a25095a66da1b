"""KGC404's per-object section-mismatch check against ld -r and modpost itself.

Two oracles: ``ld -r`` (checking the relocatable link of all objects as
one object must give what the per-object check with the cross-object index
gives: the index does what ld's symbol resolution does), and modpost built
from the Linux 6.12 tree, run on that ``vmlinux.o`` exactly as Kbuild runs
it: kgclint must report the same references, with the same names and offsets.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from kgclint.analysis.mismatch import SectionMismatches, check_object, definition_index, summarize, index_of, needs_cross_check
from kgclint.elf.reader import read_object
from kgclint.frontends import elf
from kgclint.inputs import InputKind, SourceInput
from kgclint.project import Options, Project
from kgclint_rules.build.section_mismatch import SectionMismatch
from toolchain import require, run, tool_for

INIT_C = r"""
#define __init __attribute__((section(".init.text"), noinline))
#define __initdata __attribute__((section(".init.data")))
#define __exit __attribute__((section(".exit.text"), noinline))
#define __ref __attribute__((section(".ref.text"), noinline))
struct ops { int (*fn)(void); };
int setup_value __initdata = 5;
int second_value __initdata = 7;
int __init early_setup(void) { return setup_value; }
static int __init static_init_helper(void) { return 1; }
static int __init static_second(void) { return 3; }
int __exit teardown(void) { return 2; }
int normal_calls_init(void) { return early_setup() + static_init_helper(); }
int normal_reads_initdata(void) { return setup_value; }
int normal_reads_second(void) { return second_value; }
int normal_calls_second(void) { return static_second(); }
int __ref ref_calls_init(void) { return early_setup(); }
int __init init_calls_exit(void) { return teardown(); }
int __exit exit_calls_init(void) { return early_setup(); }
struct ops driver_ops = { early_setup };
struct ops driver_table = { early_setup };
int (*plain_pointer)(void) = early_setup;
"""

USER_C = r"""
extern int early_setup(void);
extern int teardown(void);
int other_calls_init(void) { return early_setup(); }
int other_calls_exit(void) { return teardown(); }
int (*const other_probe)(void) = early_setup;
int (*other_pointer)(void) = early_setup;
__attribute__((weak)) int weak_hook(void) { return 0; }
"""

FLAGS = ("-O2", "-ffunction-sections", "-fno-inline")


def build(tmp: Path, arch: str) -> list[Path]:
    """Two objects with mismatches inside and across them, and their ``ld -r`` output."""
    gcc = tool_for(arch, "gcc")
    objects = []
    for name, text in (("init", INIT_C), ("user", USER_C)):
        source = tmp / f"{name}.c"
        source.write_text(text)
        run([gcc, "-c", *FLAGS, str(source), "-o", str(tmp / f"{name}.o")])
        objects.append(tmp / f"{name}.o")
    run([tool_for(arch, "ld"), "-r", "-o", str(tmp / "vmlinux.o"), *map(str, objects)])
    return objects


def kgclint_texts(objects: list[Path]) -> list[str]:
    facts = [read_object(p.read_bytes(), p.name) for p in objects]
    index = definition_index(facts)
    reader = lambda f, i: _section(objects[0].parent / f.path, i)  # noqa: E731
    return sorted(m.modpost_text() for f in facts for m in check_object(f, index, reader))


def _section(path: Path, index: int) -> bytes:
    from elftools.elf.elffile import ELFFile

    with path.open("rb") as stream:
        return ELFFile(stream).get_section(index).data()


@pytest.mark.parametrize("arch", ["x86_64", "arm"])
def test_per_object_check_equals_the_check_of_the_ld_r_output(arch: str, tmp_path: Path) -> None:
    objects = build(tmp_path, arch)
    linked = kgclint_texts([tmp_path / "vmlinux.o"])
    per_object = kgclint_texts(objects)
    assert per_object == linked
    assert any("other_calls_init" in t and "early_setup (section: .init.text)" in t for t in per_object)
    assert not any(t.startswith(("ref_calls_init", "driver_ops", "other_probe")) for t in per_object)


def test_summaries_find_cross_object_work_only_where_needed(tmp_path: Path) -> None:
    objects = build(tmp_path, "x86_64")
    summaries = [summarize(read_object(p.read_bytes(), p.name)) for p in objects]
    index = index_of(summaries)
    assert [needs_cross_check(s, index) for s in summaries] == [False, True]


@pytest.fixture(scope="session")
def arm_modpost(linux_tree: Path) -> Path:
    """modpost built from the 6.12 tree for ARM once (``make allnoconfig prepare``), reused across runs."""
    from conftest import LINUX_CACHE

    require("arm-linux-gnueabi-gcc")
    out = LINUX_CACHE / "modpost-arm"
    binary = out / "scripts/mod/modpost"
    if not binary.exists():
        make = ["make", "-s", "-C", str(linux_tree), "ARCH=arm", "CROSS_COMPILE=arm-linux-gnueabi-", f"O={out}"]
        run([*make, "allnoconfig"])
        run([*make, f"-j{min(2, os.cpu_count() or 1)}", "prepare"])
    return binary


@pytest.mark.kernel
def test_agrees_with_modpost(arm_modpost: Path, tmp_path: Path) -> None:
    objects = build(tmp_path, "arm")
    done = subprocess.run([str(arm_modpost), "-E", "-o", "vmlinux.symvers", "vmlinux.o"], cwd=tmp_path,
                          capture_output=True, text=True)
    modpost = sorted(re.findall(r"section mismatch in reference: (.*)", done.stderr))
    assert modpost, done.stderr
    assert kgclint_texts(objects) == modpost


def test_rule_reports_through_the_project(tmp_path: Path) -> None:
    objects = build(tmp_path, "x86_64")
    facts = [elf.parse_object(SourceInput(p.name, p.read_bytes(), None)) for p in objects]
    project = Project(tmp_path, Options(arch="x86_64"), {InputKind.OBJECT: facts})
    found = list(SectionMismatch().check(project))
    assert len(found) == len(project.analysis(SectionMismatches).mismatches) == len(kgclint_texts(objects))
    assert {f.location.path for f in found} == {"init.o", "user.o"}
