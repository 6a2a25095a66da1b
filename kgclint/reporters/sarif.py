"""SARIF 2.1.0 for code-scanning services.

The rule list comes from the rules' own docs; ruleIds are the stable codes;
each result carries a line-independent partial fingerprint (the same one
the baseline uses), so a service tracks a finding across commits that move
it. SARIF is written as plain dictionaries: the available object-model
packages add dependencies without adding checks, and the test suite
validates the output instead.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import kgclint
from kgclint.baseline import fingerprint
from kgclint.checker import RunResult
from kgclint.findings import Finding, Severity
from kgclint.location import Location
from kgclint.plugins import RuleInfo
from kgclint.reporters.base import Reporter

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
ROOT_ID = "SRCROOT"


def _physical(location: Location) -> dict:
    physical: dict = {"artifactLocation": {"uri": quote(location.path), "uriBaseId": ROOT_ID}}
    if location.line > 0:
        region: dict = {"startLine": location.line}
        if location.column > 0:
            region["startColumn"] = location.column
        physical["region"] = region
    return physical


def _rule(info: RuleInfo) -> dict:
    doc = info.doc
    sections = doc.sections
    markdown = "\n\n".join(f"**{heading}**\n\n{text}" for heading, text in sections.items())
    return {
        "id": info.code,
        "name": info.rule.name,
        "shortDescription": {"text": doc.summary.splitlines()[0] if doc.summary else info.rule.name},
        "fullDescription": {"text": sections["What it finds"]},
        "help": {"text": doc.render(), "markdown": markdown},
        "defaultConfiguration": {"level": LEVELS[info.rule.severity]},
        "properties": {"distribution": info.distribution},
    }


def _result(finding: Finding, index: dict[str, int], run: RunResult) -> dict:
    result: dict = {
        "ruleId": finding.code,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": _physical(finding.location)}],
        "partialFingerprints": {"kgclint/v1": fingerprint(finding, run.root)},
    }
    if finding.code in index:
        result["ruleIndex"] = index[finding.code]
    if finding.related:
        result["relatedLocations"] = [
            {"id": n, "physicalLocation": _physical(r.location), "message": {"text": r.message}}
            for n, r in enumerate(finding.related, start=1)
        ]
    if finding.fix is not None:
        changes: dict[str, list[dict]] = {}
        for edit in finding.fix.edits:
            changes.setdefault(edit.path, []).append({
                "deletedRegion": {"byteOffset": edit.start, "byteLength": edit.end - edit.start},
                "insertedContent": {"text": edit.text},
            })
        result["fixes"] = [{
            "description": {"text": finding.fix.description},
            "artifactChanges": [
                {"artifactLocation": {"uri": quote(path), "uriBaseId": ROOT_ID}, "replacements": reps}
                for path, reps in sorted(changes.items())
            ],
        }]
    if finding.properties:
        result["properties"] = dict(sorted(finding.properties.items()))
    return result


class SarifReporter(Reporter):
    """One SARIF log with one run."""

    def report(self, result: RunResult) -> None:
        rules = sorted(result.rules, key=lambda info: info.code)
        index = {info.code: n for n, info in enumerate(rules)}
        log = {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "kgclint",
                    "version": kgclint.__version__,
                    "rules": [_rule(info) for info in rules],
                }},
                "originalUriBaseIds": {ROOT_ID: {"uri": result.root.resolve().as_uri() + "/"}},
                "results": [_result(f, index, result) for f in result.findings],
            }],
        }
        json.dump(log, self.stream, indent=2, ensure_ascii=False)
        self.stream.write("\n")
