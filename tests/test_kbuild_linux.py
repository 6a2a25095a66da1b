"""The Kbuild model on the real Linux 6.12 tree: archive linkage derived from its own makefiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgclint.analysis.kbuild import KbuildModel
from kgclint.frontends import kbuild
from kgclint.inputs import SourceInput
from kgclint.project import Options, Project

pytestmark = pytest.mark.kernel


def model(tree: Path, tmp: Path, config: str | None) -> KbuildModel:
    path = None
    if config is not None:
        path = tmp / ".config"
        path.write_text(config)
    return Project(tree, Options(arch="arm", config=path), {}).analysis(KbuildModel)


def test_lib_a_is_an_archive_only_without_modules(linux_tree: Path, tmp_path: Path) -> None:
    nomod = model(linux_tree, tmp_path, "CONFIG_MMU=y\nCONFIG_PRINTK=y\n# CONFIG_MODULES is not set\n")
    assert {a for a, link in nomod.archives.items() if link.conditional} == {"lib/lib.a", "arch/arm/lib/lib.a"}
    assert "scripts/Makefile.vmlinux_o" in nomod.archives["lib/lib.a"].reason
    assert "lib/string.o" in nomod.library and "kernel/fork.o" in nomod.objects
    modular = model(linux_tree, tmp_path, "CONFIG_MMU=y\nCONFIG_PRINTK=y\nCONFIG_MODULES=y\n")
    assert not any(link.conditional for link in modular.archives.values())
    assert "KBUILD_VMLINUX_OBJS" in modular.archives["lib/lib.a"].reason
    assert "lib/string.o" in modular.objects and not modular.library


def test_every_branch_names_the_condition(linux_tree: Path, tmp_path: Path) -> None:
    every = model(linux_tree, tmp_path, None)
    assert every.mode == "all-branches"
    assert every.archives["lib/lib.a"].guards == {"CONFIG_MODULES is not set"}
    # head code of ARM is built in, and obj-$(CONFIG_X) objects are all considered
    assert "arch/arm/kernel/head.o" in every.objects or "arch/arm/kernel/head-nommu.o" in every.objects


def test_every_makefile_parses_without_a_traceback(linux_tree: Path) -> None:
    files = sorted(p for name in ("Makefile", "Kbuild") for p in (linux_tree / "arch/arm").rglob(name))
    for path in files:
        facts = kbuild.parse(SourceInput(path.relative_to(linux_tree).as_posix(), path.read_bytes(), "arm"))
        assert facts.statements or facts.diagnostics or not path.read_bytes().strip()
