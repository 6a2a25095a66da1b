"""A stable JSON document of the run, for scripts; its schema ships as kgclint/schemas/findings-v1.json.

Field names and meanings only ever grow within a ``version``: a consumer
that reads version 1 keeps working. Paths are tree-relative, lines and
columns 1-based (0 = unknown), edits are byte offsets.
"""

from __future__ import annotations

import json

import kgclint
from kgclint.baseline import fingerprint
from kgclint.checker import RunResult
from kgclint.findings import Finding
from kgclint.location import Location
from kgclint.reporters.base import Reporter

SCHEMA_VERSION = 1


def _location(location: Location) -> dict:
    return {"path": location.path, "line": location.line, "column": location.column}


def finding_document(finding: Finding, result: RunResult) -> dict:
    """One finding as the JSON format prints it."""
    info = result.rule(finding.code)
    return {
        "code": finding.code,
        "name": info.rule.name if info else None,
        "severity": finding.severity.value,
        "message": finding.message,
        "location": _location(finding.location),
        "related": [{**_location(r.location), "message": r.message} for r in finding.related],
        "fix": None if finding.fix is None else {
            "description": finding.fix.description,
            "edits": [{"path": e.path, "start": e.start, "end": e.end, "text": e.text} for e in finding.fix.edits],
        },
        "properties": dict(sorted(finding.properties.items())),
        "fingerprint": fingerprint(finding, result.root),
    }


class JsonReporter(Reporter):
    """The whole run as one JSON object."""

    def report(self, result: RunResult) -> None:
        by_code: dict[str, int] = {}
        for finding in result.findings:
            by_code[finding.code] = by_code.get(finding.code, 0) + 1
        document = {
            "version": SCHEMA_VERSION,
            "tool": {"name": "kgclint", "version": kgclint.__version__},
            "findings": [finding_document(f, result) for f in result.findings],
            "summary": {
                "files": result.files,
                "lines": result.lines,
                "findings": len(result.findings),
                "by_code": dict(sorted(by_code.items())),
            },
        }
        json.dump(document, self.stream, indent=2, sort_keys=False, ensure_ascii=False)
        self.stream.write("\n")
