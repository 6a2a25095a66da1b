"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request."""

from __future__ import annotations

from kgclint.checker import RunResult
from kgclint.findings import Severity
from kgclint.reporters.base import Reporter

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter(Reporter):
    """``::warning file=…,line=…,col=…,title=…::message`` lines."""

    def report(self, result: RunResult) -> None:
        for finding in result.findings:
            loc = finding.location
            info = result.rule(finding.code)
            title = f"{finding.code} {info.rule.name}" if info else finding.code
            props = [f"file={_escape_property(loc.path)}"]
            if loc.line:
                props.append(f"line={loc.line}")
            if loc.column:
                props.append(f"col={loc.column}")
            props.append(f"title={_escape_property(title)}")
            message = finding.message + "".join(
                f"\n{r.location.path}:{r.location.line}: {r.message}" for r in finding.related
            )
            self.stream.write(f"::{COMMANDS[finding.severity]} {','.join(props)}::{_escape_data(message)}\n")
