"""A run over named files reads the headers they include for macros, resolved like Kbuild's include path."""

from __future__ import annotations

from pathlib import Path

from kgclint.c.include_paths import resolve
from kgclint.checker import CheckRequest, run_check
from kgclint.engine import EngineSettings
from kgclint.plugins import load_rules
from kgclint.project import Options
from kgclint.selection import Selection

TREE = {
    "Makefile": "",
    "include/linux/compiler.h": '#define __section(s) __attribute__((__section__(s)))\n',
    "include/linux/init.h": '#include <linux/compiler.h>\n#include <asm/cache.h>\n'
                            '#define __hot_entry __section(".text.hot_entry")\n',
    "include/asm-generic/cache.h": '#define __cacheline_data __section(".data.cacheline")\n',
    "arch/arm/include/asm/cache.h": '#define __cacheline_data __section(".data..cacheline")\n',
    "include/linux/bad.h": 'static int bad_in_header __attribute__((used, section(".data.in_header")));\n',
    "drivers/foo/local.h": '#define __local_entry __section(".rodata.local_entry")\n',
    "drivers/foo/foo.c": '#include <linux/init.h>\n#include <linux/bad.h>\n#include "local.h"\n'
                         'static int __hot_entry __used first;\n'
                         'static const int __local_entry __used second = 1;\n'
                         'static int __cacheline_data __used third;\n',
    "arch/arm/kernel/bar.c": '#include <linux/init.h>\nstatic int __cacheline_data __used fourth;\n',
}


def _tree(root: Path) -> Path:
    for path, text in TREE.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    (root / "arch/arm/Kconfig").write_text("")
    return root


def _findings(root: Path, *named: str) -> set[tuple[str, int, str]]:
    request = CheckRequest(root=root, paths=tuple(root / n for n in named), options=Options(),
                           selection=Selection(("KGC102",)), settings=EngineSettings(cache_dir=root.parent / "cache"))
    result = run_check(request, load_rules())
    return {(f.location.path, f.location.line, f.message.split()[1]) for f in result.findings}


def test_named_file_sees_sections_through_included_headers(tmp_path):
    root = _tree(tmp_path / "tree")
    found = _findings(root, "drivers/foo/foo.c")
    assert ("drivers/foo/foo.c", 4, ".text.hot_entry") in found          # <linux/init.h>, then its own include
    assert ("drivers/foo/foo.c", 5, ".rodata.local_entry") in found      # "local.h" beside the file
    assert ("drivers/foo/foo.c", 6, ".data.cacheline") in found          # <asm/cache.h>: x86 has none, asm-generic
    assert not any(path.startswith("include/") for path, _line, _name in found), found  # context is not reported


def test_arch_files_read_their_arch_headers_first(tmp_path):
    root = _tree(tmp_path / "tree")
    assert not any(line == 2 for _path, line, _name in _findings(root, "arch/arm/kernel/bar.c"))  # arm's ..cacheline


def test_whole_tree_run_reports_the_header_itself(tmp_path):
    root = _tree(tmp_path / "tree")
    assert ("include/linux/bad.h", 1, ".data.in_header") in _findings(root, ".")


def test_resolve_follows_kbuilds_include_path():
    present = {"arch/arm/include/asm/io.h", "include/linux/io.h", "include/asm-generic/bug.h",
               "include/uapi/linux/types.h", "drivers/foo/foo.h"}
    exists = present.__contains__
    assert resolve("asm/io.h", False, "drivers/foo/foo.c", "arm", exists) == "arch/arm/include/asm/io.h"
    assert resolve("asm/bug.h", False, "drivers/foo/foo.c", "arm", exists) == "include/asm-generic/bug.h"
    assert resolve("linux/types.h", False, "x.c", "arm", exists) == "include/uapi/linux/types.h"
    assert resolve("foo.h", True, "drivers/foo/foo.c", "arm", exists) == "drivers/foo/foo.h"
    assert resolve("foo.h", False, "drivers/foo/foo.c", "arm", exists) is None   # <> does not look beside the file
    assert resolve("../../../etc/passwd", True, "a.c", "arm", exists) is None
    assert resolve("/etc/passwd", True, "a.c", "arm", exists) is None


def test_context_headers_keep_only_their_macros_and_come_from_the_cache(tmp_path, monkeypatch):
    """Context headers are loaded as their macro view: a second run parses none of them and still sees the macros."""
    from kgclint.frontends import c as c_frontend
    from kgclint.headers import included_headers

    root = _tree(tmp_path / "tree")
    settings = EngineSettings(cache_dir=tmp_path / "cache")
    parsed: list[str] = []
    real_parse = c_frontend.parse
    monkeypatch.setattr(c_frontend, "parse", lambda source: parsed.append(source.path) or real_parse(source))
    first = _findings(root, "drivers/foo/foo.c")
    assert "include/linux/init.h" in parsed
    parsed.clear()
    assert _findings(root, "drivers/foo/foo.c") == first
    assert parsed == []
    from kgclint.engine import build_project
    project = build_project(root, [root / "drivers/foo/foo.c"], Options(), {"c"}, settings)
    headers = included_headers(root, project.facts("c"), Options(), settings)
    by_path = {h.path: h for h in headers}
    assert by_path["include/linux/bad.h"].definitions == () and by_path["include/linux/bad.h"].items == ()
    assert [d.name for d in by_path["include/linux/init.h"].defines] == ["__hot_entry"]
