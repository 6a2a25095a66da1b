"""KGC401 against the real ar and ld: seed 000's lost export, from objects and from sources.

Each corpus case is compiled with gcc, archived with ar the way Kbuild
does (obj-y into built-in.a, lib-y into lib/lib.a) and linked the way
Linux links vmlinux.o (``--whole-archive`` built-ins, ``--start-group``
libraries). The exports the linker actually lost (their ``__ksymtab_``
entries missing from the output) are the oracle: kgclint must name exactly
those, from the archive and objects, and from the sources and makefiles.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kgclint.analysis.kbuild import KbuildModel
from kgclint.frontends import c as c_frontend
from kgclint.frontends import elf, kbuild
from kgclint.inputs import InputKind, SourceInput
from kgclint.kbuild.archives import export_prefixes
from kgclint.project import Options, Project
from kgclint_rules.build.export_lost_in_archive import ExportLostInArchive
from kgclint_rules.build.whole_archive_undefined import WholeArchiveUndefined
from toolchain import require, run

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
CASES = ["kbuild-archive-export-lost", "kbuild-archive-export-kept", "kbuild-archive-whole-modules"]


def _kbuild_facts(root: Path) -> list:
    return [kbuild.parse(SourceInput(p.relative_to(root).as_posix(), p.read_bytes(), None))
            for p in sorted(root.rglob("*")) if p.name in ("Makefile", "Kbuild")]


def _options(root: Path) -> Options:
    config = root / ".config"
    return Options(arch="x86_64", config=config if config.exists() else None)


def build(case: str, tmp: Path) -> tuple[Path, set[str], set[str]]:
    """Build the case as Kbuild would; return (tree, exported symbols, exports the link kept)."""
    gcc, ar, ld, nm = require("gcc"), require("ar"), require("ld"), require("nm")
    root = tmp / case
    shutil.copytree(CORPUS / case, root)
    model = Project(root, _options(root), {InputKind.KBUILD: _kbuild_facts(root)}).analysis(KbuildModel)
    for source in sorted(root.rglob("*.c")):
        run([gcc, "-c", "-O2", "-I", str(root / "include"), str(source), "-o", str(source.with_suffix(".o"))])
    builtin = sorted(model.objects)
    members = sorted(model.library)
    argv = [ld, "-r", "-o", str(root / "vmlinux.o"), "--whole-archive", "vmlinux.a", "--no-whole-archive"]
    if members:
        run([ar, "rcs", str(root / "lib/lib.a"), *members], cwd=root)
        argv += ["--start-group", "lib/lib.a", "--end-group"]
    run([ar, "rcsT", "vmlinux.a", *builtin], cwd=root)  # thin, as Kbuild builds vmlinux.a
    run(argv, cwd=root)
    symbols = set(run([nm, str(root / "vmlinux.o")]).stdout.split())
    prefix = "__ksymtab_"
    assert prefix in export_prefixes(root)
    exported = {line.split("(")[1].split(")")[0] for s in root.rglob("*.c")
                for line in s.read_text().splitlines() if line.startswith("EXPORT_SYMBOL(")}
    kept = {name for name in exported if prefix + name in symbols}
    return root, exported, kept


def object_project(root: Path) -> Project:
    """The case's makefiles, lib.a and objects, as a build-directory run sees them."""
    facts = {
        InputKind.KBUILD: _kbuild_facts(root),
        InputKind.ARCHIVE: [elf.parse_archive(SourceInput(p.relative_to(root).as_posix(), p.read_bytes(), None))
                            for p in sorted(root.rglob("*.a")) if p.name == "lib.a"],
        InputKind.OBJECT: [elf.parse_object(SourceInput(p.relative_to(root).as_posix(), p.read_bytes(), None))
                           for p in sorted(root.rglob("*.o")) if p.name != "vmlinux.o"],
    }
    return Project(root, _options(root), facts)


@pytest.mark.parametrize("case", CASES)
def test_lost_exports_from_archives_match_ld(case: str, tmp_path: Path) -> None:
    root, exported, kept = build(case, tmp_path)
    findings = list(ExportLostInArchive().check(object_project(root)))
    flagged = {f.message.split(" ", 1)[0] for f in findings}
    assert flagged == exported - kept
    if case == "kbuild-archive-export-lost":
        assert flagged == {"dma_noop_map"}, "the case must reproduce seed 000's lost export"
        assert all("proved on the archive" in f.message for f in findings)


@pytest.mark.parametrize("case", CASES)
def test_lost_exports_from_sources_match_ld(case: str, tmp_path: Path) -> None:
    root, exported, kept = build(case, tmp_path)
    facts = {
        InputKind.KBUILD: _kbuild_facts(root),
        InputKind.C: [c_frontend.parse(SourceInput(p.relative_to(root).as_posix(), p.read_bytes(), None))
                      for p in sorted(root.rglob("*.[ch]"))],
    }
    project = Project(root, _options(root), facts)
    findings = list(ExportLostInArchive().check(project))
    assert {f.message.split(" ", 1)[0] for f in findings} == exported - kept
    for finding in findings:
        assert finding.location.path == "lib/dma-noop.c"
        assert " when " not in finding.message


def test_configurations_come_from_the_top_level_makefile(tmp_path: Path) -> None:
    """Linux 6.12 links lib.a in whole when CONFIG_MODULES is set: read from its Makefile, not assumed."""
    root = tmp_path / "tree"
    shutil.copytree(CORPUS / "kbuild-archive-whole-modules", root)
    (root / ".config").unlink()
    facts = {
        InputKind.KBUILD: _kbuild_facts(root),
        InputKind.C: [c_frontend.parse(SourceInput(p.relative_to(root).as_posix(), p.read_bytes(), None))
                      for p in sorted(root.rglob("*.[ch]"))],
    }
    findings = list(ExportLostInArchive().check(Project(root, Options(arch="x86_64"), facts)))
    assert [f.message.split(" ", 1)[0] for f in findings] == ["dma_noop_map"]
    assert "when CONFIG_MODULES is not set" in findings[0].message
    assert "every makefile branch" in findings[0].message
    (root / ".config").write_text("# CONFIG_MODULES is not set\n")
    facts_nomod = Project(root, Options(arch="x86_64", config=root / ".config"), facts)
    assert [f.message.split(" ", 1)[0] for f in ExportLostInArchive().check(facts_nomod)] == ["dma_noop_map"]


def test_whole_archive_breakage_matches_ld(tmp_path: Path) -> None:
    """Seed 000's second problem: the member ld leaves out would break --whole-archive."""
    root, _, _ = build("kbuild-archive-export-lost", tmp_path)
    ld = require("ld")
    base = [ld, "-o", "vmlinux", "-e", "kernel_start"]
    normal = subprocess.run([*base, "--whole-archive", "vmlinux.a", "--no-whole-archive",
                             "--start-group", "lib/lib.a", "--end-group"], cwd=root, capture_output=True, text=True)
    assert normal.returncode == 0, normal.stderr
    whole = subprocess.run([*base, "--whole-archive", "vmlinux.a", "lib/lib.a", "--no-whole-archive"],
                           cwd=root, capture_output=True, text=True)
    assert whole.returncode != 0
    ld_missing = set(re.findall(r"undefined reference to `([^']+)'", whole.stderr))
    ld_members = set(re.findall(r"lib\.a\(([^)]+\.o)\)", whole.stderr))
    findings = list(WholeArchiveUndefined().check(object_project(root)))
    assert {f.message.split(" ", 1)[0] for f in findings} == ld_members == {"io-acorn.o"}
    assert all(name in findings[0].message for name in ld_missing) and ld_missing == {"printk"}
    assert findings[0].location.path == "lib/io-acorn.c"
