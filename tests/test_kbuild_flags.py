"""KGC403 against the real linkers: an object without function/data sections is kept or dropped whole.

The corpus case is compiled the way its makefiles say (every object with
``-ffunction-sections -fdata-sections``, then the flags Kbuild adds for it,
last flag winning as in gcc) and linked with ``--gc-sections
--print-gc-sections`` by GNU ld and ld.lld; what kgclint says is kept whole
or dropped whole must be what each linker did.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kgclint.analysis.kbuild import KbuildModel
from kgclint.frontends import c as c_frontend
from kgclint.frontends import kbuild
from kgclint.inputs import InputKind, SourceInput
from kgclint.project import Options, Project
from kgclint_rules.build.no_function_sections_object import NoFunctionSectionsObject
from toolchain import compile_c, link_gc, require, run

CASE = Path(__file__).resolve().parent.parent / "corpus" / "kbuild-no-function-sections"


def project() -> Project:
    facts = {
        InputKind.KBUILD: [kbuild.parse(SourceInput(p.relative_to(CASE).as_posix(), p.read_bytes(), None))
                           for p in sorted(CASE.rglob("*")) if p.name in ("Makefile", "Kbuild")],
        InputKind.C: [c_frontend.parse(SourceInput(p.relative_to(CASE).as_posix(), p.read_bytes(), None))
                      for p in sorted(CASE.rglob("*.c"))],
    }
    return Project(CASE, Options(arch="x86_64"), facts)


def test_flags_follow_kbuild() -> None:
    model = project().analysis(KbuildModel)
    assert model.objects["init/main.o"].effective_flag("function").flag == "-fno-function-sections"
    assert model.objects["init/main.o"].effective_flag("data").origin.path == "init/Makefile"
    assert model.objects["kernel/vectors.o"].effective_flag("function").flag == "-fno-function-sections"
    assert model.objects["kernel/vectors.o"].effective_flag("data") is None
    assert model.objects["kernel/core.o"].section_flags == ()


@pytest.mark.parametrize("linker", ["bfd", "lld"])
def test_kept_whole_and_dropped_whole_match_the_linker(linker: str, tmp_path: Path) -> None:
    if linker == "lld":
        require("ld.lld")
    proj = project()
    model = proj.analysis(KbuildModel)
    objects = []
    for obj in sorted(model.objects.values(), key=lambda o: o.path):
        out = tmp_path / obj.path.replace("/", "_")
        compile_c(CASE / obj.sources[0], out, flags=tuple(f.flag for f in obj.section_flags))
        objects.append((obj.path, out))
    result = link_gc([o for _, o in objects], None, tmp_path / "vmlinux", linker=linker, entry="kernel_entry")
    assert result.returncode == 0, result.stderr
    symbols = set(run([require("nm"), str(tmp_path / "vmlinux")]).stdout.split())
    findings = list(NoFunctionSectionsObject().check(proj))
    assert len(findings) == 3
    for finding in findings:
        obj = finding.message.split(" ", 1)[0]
        basename = obj.replace("/", "_")
        section = ".text" if "-fno-function-sections" in finding.message else None
        if finding.properties["case"] == "dropped-whole":
            assert (basename, section) in result.dropped
        elif section:
            assert (basename, section) not in result.dropped
            riders = set(finding.message.split("come with it (", 1)[1].split(")")[0].split(", "))
            exported = {d.name for f in proj.facts(InputKind.C) for d in f.definitions if d.storage != "static"}
            assert riders & exported and riders & exported <= symbols, "GC could not drop them: they share the kept .text"
        else:
            data = finding.message.split("object(s) (", 1)[1].split(")")[0].split(", ")
            assert set(data) <= symbols, "kept with the code that uses it"
