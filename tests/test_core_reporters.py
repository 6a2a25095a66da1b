"""Every reporter's format, with SARIF checked against the official 2.1.0 schema."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest

from kgclint.checker import RunResult
from kgclint.findings import Finding, Fix, Severity, TextEdit
from kgclint.location import Location, Related
from kgclint.plugins import load_rules
from kgclint.reporters.base import ReportSettings
from kgclint.reporters.checkpatch import CheckpatchReporter
from kgclint.reporters.github import GithubReporter
from kgclint.reporters.json import JsonReporter
from kgclint.reporters.sarif import SarifReporter
from kgclint.reporters.text import TextReporter

DATA = Path(__file__).parent / "data"
SCHEMAS = Path(__file__).resolve().parent.parent / "kgclint" / "schemas"


@pytest.fixture
def result(tmp_path) -> RunResult:
    (tmp_path / "arch/arm/kernel").mkdir(parents=True)
    (tmp_path / "arch/arm/kernel/vmlinux.lds.S").write_text("SECTIONS {\n  .init : { *(.initcall1.init) }\n}\n")
    (tmp_path / "drivers").mkdir()
    (tmp_path / "drivers/a b.c").write_text("static int x;\nint y __section(\".t,\\\"a\\\",@note #\");\n")
    findings = [
        Finding("KGC001", Severity.ERROR, "a, b: c\nsecond line 100%", Location("drivers/a b.c", 1, 0)),
        Finding(
            "KGC002", Severity.WARNING, "table without KEEP", Location("arch/arm/kernel/vmlinux.lds.S", 2, 13),
            related=(Related(Location("drivers/a b.c", 2, 5), "an entry is placed here"),),
            fix=Fix("wrap in KEEP()", (TextEdit("arch/arm/kernel/vmlinux.lds.S", 26, 44, "KEEP(*(.initcall1.init))"),)),
            properties={"breakage": "silent"},
        ),
        Finding("KGC004", Severity.INFO, "just so", Location("drivers/a b.c", 0, 0)),
    ]
    return RunResult(root=tmp_path, findings=findings, rules=load_rules().rules, problems=(), warnings=[], files=2, lines=5)


def render(reporter, result, **settings) -> str:
    stream = io.StringIO()
    reporter(stream, ReportSettings(**settings)).report(result)
    return stream.getvalue()


def test_text(result):
    out = render(TextReporter, result)
    assert out.splitlines()[0] == "drivers/a b.c:1:0: KGC001 a, b: c second line 100%"
    assert "arch/arm/kernel/vmlinux.lds.S:2:13: KGC002 table without KEEP" in out
    assert "  drivers/a b.c:2:5: note: an entry is placed here" in out


def test_checkpatch_blocks_and_total(result):
    out = render(CheckpatchReporter, result)
    block = out.split("\n\n")[1]
    assert block.splitlines() == [
        "WARNING:KGC002: table without KEEP",
        "#2: FILE: arch/arm/kernel/vmlinux.lds.S:2:",
        "+  .init : { *(.initcall1.init) }",
    ]
    assert out.rstrip().splitlines()[-1] == "total: 1 errors, 1 warnings, 5 lines checked"


def test_checkpatch_emacs_one_line(result):
    lines = render(CheckpatchReporter, result, emacs=True).splitlines()
    assert "arch/arm/kernel/vmlinux.lds.S:2: WARNING:KGC002: table without KEEP" in lines
    assert all(line.count(": ") >= 1 for line in lines) and not any(l.startswith("total:") for l in lines)


def test_github_escapes(result):
    out = render(GithubReporter, result)
    first = out.splitlines()[0]
    assert first.startswith("::error file=drivers/a b.c,line=1,title=KGC001 input-error::")
    assert "a, b: c%0Asecond line 100%25" in first
    assert out.splitlines()[2].startswith("::notice file=drivers/a b.c,title=KGC004")


def test_json_validates_against_its_documented_schema(result):
    document = json.loads(render(JsonReporter, result))
    schema = json.loads((SCHEMAS / "findings-v1.json").read_text())
    jsonschema.validate(document, schema)
    assert document["summary"] == {"files": 2, "lines": 5, "findings": 3, "by_code": {"KGC001": 1, "KGC002": 1, "KGC004": 1}}
    assert document["findings"][1]["fix"]["edits"][0] == {"path": "arch/arm/kernel/vmlinux.lds.S", "start": 26, "end": 44, "text": "KEEP(*(.initcall1.init))"}


def test_json_schema_rejects_a_wrong_document(result):
    document = json.loads(render(JsonReporter, result))
    document["findings"][0]["severity"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, json.loads((SCHEMAS / "findings-v1.json").read_text()))


def _sarif_validator():
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_sarif_validates_against_the_official_schema(result):
    log = json.loads(render(SarifReporter, result))
    _sarif_validator().validate(log)
    run = log["runs"][0]
    ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert ids == sorted(ids) and "KGC103" in ids
    first = run["results"][0]
    assert first["ruleId"] == "KGC001" and ids[first["ruleIndex"]] == "KGC001"
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "drivers/a%20b.c"
    assert "partialFingerprints" in first
    assert run["results"][1]["fixes"][0]["artifactChanges"][0]["replacements"][0]["deletedRegion"] == {"byteOffset": 26, "byteLength": 18}


def test_sarif_schema_catches_a_broken_log(result):
    log = json.loads(render(SarifReporter, result))
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert list(_sarif_validator().iter_errors(log))
