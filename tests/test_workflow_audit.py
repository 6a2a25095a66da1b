"""``kgclint audit``: rows, statuses and evidence on corpus trees, in Markdown, JSON and HTML (seen in Chromium)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kgclint.cli import main
from toolchain import require

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "case"
    shutil.copytree(CORPUS / "lds-table-without-keep", root)
    return root


def audit(tree: Path, fmt: str, out: Path) -> str:
    assert main(["audit", "--arch", "x86", "--root", str(tree), "--no-cache", "-j1", "--format", fmt, "-o", str(out)]) == 0
    return out.read_text()


def test_json_rows_status_evidence_and_fix(tree, tmp_path):
    document = json.loads(audit(tree, "json", tmp_path / "a.json"))
    assert document["arch"] == "x86" and document["scripts"] == ["arch/x86/kernel/vmlinux.lds"]
    assert document["summary"]["would be dropped"] == 1
    assert sum(document["summary"].values()) == len(document["rows"])
    dropped = document["rows"][0]
    assert (dropped["kind"], dropped["pattern"], dropped["status"], dropped["breakage"]) == ("table", "*(.mytab)", "would be dropped", "silent")
    assert dropped["location"] == {"path": "arch/x86/kernel/vmlinux.lds", "line": 10}
    places = {(e["path"], e["line"]) for e in dropped["evidence"]}
    assert {("kernel/walk.c", 8), ("drivers/mytab/entries.c", 6), ("drivers/mytab/asm_entry.S", 2)} <= places
    assert dropped["fix"].startswith("KEEP(*(.mytab)) at arch/x86/kernel/vmlinux.lds:10")
    assert [r["pattern"] for r in document["rows"] if r["kind"] == "entry"] == ["ENTRY(_start)"]


def test_markdown_and_fix_turns_the_row_kept(tree, tmp_path, capsys):
    text = audit(tree, "md", tmp_path / "a.md")
    assert "verdict: **1 would be dropped, 0 unknown, " in text
    assert "| would be dropped | table | `*(.mytab)` | .rodata | arch/x86/kernel/vmlinux.lds:10:3 | 3 (3) | silent |" in text
    assert main(["check", str(tree), "--no-cache", "-j1", "--fix"]) == 0
    capsys.readouterr()
    again = audit(tree, "md", tmp_path / "b.md")
    assert "verdict: **0 would be dropped, 0 unknown, " in again
    assert "| kept | walked | `KEEP(*(.mytab))` |" in again or "| kept | table | `KEEP(*(.mytab))` |" in again


def test_same_bytes_every_run(tree, tmp_path):
    for fmt in ("md", "json", "html"):
        assert audit(tree, fmt, tmp_path / f"1.{fmt}") == audit(tree, fmt, tmp_path / f"2.{fmt}")


def test_unknown_arch_is_a_usage_error(tree, capsys):
    assert main(["audit", "--arch", "nosuch", "--root", str(tree), "--no-cache"]) == 2
    assert "no such architecture" in capsys.readouterr().err


SORT_BY_ENTRIES = """<script>
document.querySelectorAll('th')[5].click();
document.body.setAttribute('data-first', document.querySelector('#audit tbody tr td:nth-child(3)').textContent);
</script></body>"""


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return name
    return require("chromium")


def dump_dom(page: Path) -> str:
    done = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_html_as_a_person_sees_it_in_chromium(tree, tmp_path):
    page = tmp_path / "audit.html"
    audit(tree, "html", page)
    dom = dump_dom(page)
    assert "<title>kgclint arch readiness audit: x86</title>" in dom
    rows = json.loads(audit(tree, "json", tmp_path / "a.json"))["rows"]
    kept = sum(row["status"] == "kept" for row in rows)
    assert re.search(rf'id="summary">1 would be dropped, 0 unknown, {kept} kept \({len(rows)} rows\)', dom)
    body = dom.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert body.count("<tr") == len(rows)
    assert re.search(r'href="file://[^"]*/arch/x86/kernel/vmlinux.lds#L10">arch/x86/kernel/vmlinux.lds:10</a>', dom)
    first = re.findall(r"<td><code>([^<]*)</code></td>", body)
    assert first[0] == "*(.mytab)"  # dropped rows first
    # clicking a heading sorts by that column (entries: the ENTRY row has 0 and comes first)
    sorted_page = tmp_path / "sorted.html"
    sorted_page.write_text(page.read_text().replace("</body>", SORT_BY_ENTRIES))
    after = dump_dom(sorted_page)
    assert 'data-first="ENTRY(_start)"' in after
    assert 'class="sorted-asc"' in after
    shot = tmp_path / "audit.png"
    subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}", "--window-size=1400,700", page.as_uri()],
        capture_output=True, timeout=120, check=True,
    )
    assert shot.stat().st_size > 10_000


def test_object_proof_from_a_build_directory_agrees_with_ld(tree, tmp_path):
    from toolchain import compile_c, link_gc, run, tool_for

    build = tmp_path / "O"
    (build / "arch/x86/kernel").mkdir(parents=True)
    objects = [
        compile_c(tree / src, tmp_path / (Path(src).name + ".o"), flags=("-I", str(tree / "include")))
        for src in ("kernel/walk.c", "drivers/mytab/entries.c", "drivers/mytab/asm_entry.S")
    ]
    run([tool_for("x86_64", "ld"), "-r", "-o", str(build / "vmlinux.o"), *map(str, objects)])
    shutil.copy(tree / "arch/x86/kernel/vmlinux.lds", build / "arch/x86/kernel/vmlinux.lds")
    real = link_gc([build / "vmlinux.o"], build / "arch/x86/kernel/vmlinux.lds", tmp_path / "vmlinux", entry="_start")
    assert ("vmlinux.o", ".mytab") in real.dropped
    out = tmp_path / "a.json"
    assert main(["audit", "--arch", "x86", "--root", str(tree), "--no-cache", "-j1", "--format", "json",
                 "--build-dir", str(build), "-o", str(out)]) == 0
    rows = {row["pattern"]: row for row in json.loads(out.read_text())["rows"]}
    assert rows["*(.mytab)"]["proof"] == "GC of vmlinux.o (bfd): 1 input sections taken, 0 kept, 1 dropped (.mytab)"
    assert rows["ENTRY(_start)"]["proof"] == ""


def test_build_directory_without_objects_says_so(tree, tmp_path):
    out = tmp_path / "a.md"
    (tmp_path / "empty").mkdir()
    assert main(["audit", "--arch", "x86", "--root", str(tree), "--no-cache", "-j1", "--build-dir", str(tmp_path / "empty"), "-o", str(out)]) == 0
    assert "no object proof:" in out.read_text()
