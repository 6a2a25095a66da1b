"""The contract between the engine and a rule.

A rule is a class with a stable ``code``, a kebab-case ``name``, a default
``severity``, the input kinds it ``needs`` (the engine runs only the
front-ends some selected rule needs), a docstring in four parts, and a
``check`` that yields findings for a whole project.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from kgclint.findings import Finding, Fix, Severity
from kgclint.inputs import InputKind
from kgclint.location import Location, Related

if TYPE_CHECKING:
    from kgclint.project import Project

CODE_PATTERN = re.compile(r"^KGC[0-9]{3}$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

#: The four parts of every rule's docstring, in order, as headings on lines of their own.
DOC_SECTIONS = ("What it finds", "Why it breaks a kernel", "Example", "Fix")


@dataclass(frozen=True, slots=True)
class RuleDoc:
    """A rule's docstring split into its summary and four parts."""

    summary: str
    sections: Mapping[str, str]

    def render(self) -> str:
        """The text `kgclint explain` prints."""
        parts = [self.summary]
        for heading in DOC_SECTIONS:
            parts.append(f"{heading}:\n{self.sections[heading]}")
        return "\n\n".join(parts) + "\n"


def parse_doc(text: str | None) -> RuleDoc:
    """Split a docstring into summary and sections; raise ValueError naming what is missing."""
    if not text or not text.strip():
        raise ValueError("has no docstring")
    lines = _dedent(text).splitlines()
    summary: list[str] = []
    sections: dict[str, list[str]] = {}
    current: list[str] = summary
    for line in lines:
        heading = line.rstrip()
        if heading.endswith(":") and heading[:-1] in DOC_SECTIONS:
            current = sections.setdefault(heading[:-1], [])
            continue
        current.append(line)
    missing = [h for h in DOC_SECTIONS if not "\n".join(sections.get(h, [])).strip()]
    if missing:
        raise ValueError("docstring lacks section(s): " + ", ".join(missing))
    return RuleDoc(
        summary="\n".join(summary).strip(),
        sections={h: _dedent("\n".join(sections[h])).strip("\n") for h in DOC_SECTIONS},
    )


def _dedent(text: str) -> str:
    import inspect

    return inspect.cleandoc(text)


class Rule:
    """Base class of every rule; subclasses set the class attributes and ``check``."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity] = Severity.WARNING
    needs: ClassVar[frozenset[InputKind]] = frozenset()

    def check(self, project: Project) -> Iterable[Finding]:
        """Yield the findings of this rule over the whole project."""
        raise NotImplementedError

    @classmethod
    def doc(cls) -> RuleDoc:
        """The rule's docstring, parsed."""
        return parse_doc(cls.__doc__)

    def finding(
        self,
        message: str,
        location: Location,
        *,
        related: Iterable[Related] = (),
        fix: Fix | None = None,
        properties: Mapping[str, str] | None = None,
        severity: Severity | None = None,
    ) -> Finding:
        """A finding of this rule, with its code and default severity filled in."""
        return Finding(
            code=self.code,
            severity=severity or self.severity,
            message=message,
            location=location,
            related=tuple(related),
            fix=fix,
            properties=dict(properties or {}),
        )
