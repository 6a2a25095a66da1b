"""Inline-asm problems written by a macro are reported once, at the macro; others where they are."""

from __future__ import annotations

from kgclint.asm.origin import MacroText, Problem, collapse, writer
from kgclint.findings import Severity
from kgclint.location import Location
from kgclint.placement import MacroUse

EXPORT_H = """\
#define __stringify(x...) #x
#define __EXPORT_SYMBOL(sym) \\
\tasm(__stringify(.section ".export_symbol","a" ; .previous))
#define EXPORT_SYMBOL(sym) __EXPORT_SYMBOL(sym)
"""
EXPORT = (MacroUse("EXPORT_SYMBOL", Location("include/linux/export.h", 4)),
          MacroUse("__EXPORT_SYMBOL", Location("include/linux/export.h", 2)),
          MacroUse("__stringify", Location("include/linux/export.h", 1)))


def _text():
    return MacroText(lambda path: EXPORT_H.encode())


def test_the_writer_is_the_macro_whose_body_holds_asm():
    assert writer(EXPORT, _text()).name == "__EXPORT_SYMBOL"
    assert writer(EXPORT[:1], _text()).name == "EXPORT_SYMBOL"  # none holds asm: the outermost


def test_macro_written_statements_collapse_to_the_writer():
    problems = [Problem(Location(f"lib/f{i}.c", 10), EXPORT, "m", Severity.INFO) for i in range(5)]
    problems.append(Problem(Location("lib/own.c", 3), (), "m", Severity.INFO))
    reports = list(collapse(problems, _text()))
    assert [(r.location.path, r.location.line) for r in reports] == [("lib/own.c", 3), ("include/linux/export.h", 2)]
    at_macro = reports[1]
    assert "written by macro __EXPORT_SYMBOL; 5 uses" in at_macro.message
    assert len(at_macro.related) == 3 and at_macro.fix is None


def test_one_finding_per_macro_and_severity():
    problems = [Problem(Location("a.c", 1), EXPORT, "one", Severity.INFO),
                Problem(Location("c.c", 1), EXPORT, "one again", Severity.INFO),
                Problem(Location("b.c", 1), EXPORT, "two", Severity.WARNING)]
    reports = sorted(collapse(problems, _text()), key=lambda r: r.severity)
    assert [(r.severity, r.message.split(" (")[0]) for r in reports] == [
        (Severity.INFO, "one"), (Severity.WARNING, "two")]
    assert "2 uses" in reports[0].message
