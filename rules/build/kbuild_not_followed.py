"""KGC405: a part of the Kbuild tree kgclint could not follow, so its model there may be incomplete."""

from __future__ import annotations

from collections.abc import Iterable

from kgclint.analysis.kbuild import KbuildModel
from kgclint.findings import Finding, Severity
from kgclint.inputs import InputKind
from kgclint.rule import Rule


class KbuildNotFollowed(Rule):
    """A makefile construct, include or subdirectory the Kbuild model could not follow.

    What it finds:
    Places where kgclint's reading of the Kbuild tree stops short: an
    ``obj-y`` subdirectory with no ``Kbuild``/``Makefile`` (or no directory
    at all), an ``include`` of a file that is not there or that includes
    itself again, ``$(shell …)``/``$(wildcard …)``/``$(eval …)`` feeding a
    membership list (``obj-y``, ``lib-y``, ``foo-objs``), a configuration
    file that cannot be read. Syntax errors of a single makefile are
    reported by the front-end (KGC001); these are the tree-wide ones.

    Why it breaks a kernel:
    It does not by itself; but every archive and flag rule (KGC401–KGC403)
    answers from this model, so an object kgclint cannot see is one it
    cannot warn about. A missing subdirectory is also a real build error
    in Kbuild.

    Example:
    drivers/Makefile::

        obj-y += gone/        # drivers/gone/ was removed

    Fix:
    Fix the makefile (a stale subdirectory or include), or, for a
    construct that is correct but beyond kgclint, accept the finding with
    a suppression comment.
    """

    code = "KGC405"
    name = "kbuild-not-followed"
    severity = Severity.WARNING
    needs = frozenset({InputKind.KBUILD})

    def check(self, project) -> Iterable[Finding]:
        model = project.analysis(KbuildModel)
        for diagnostic in model.diagnostics:
            yield self.finding(diagnostic.message, diagnostic.location, properties={"mode": model.mode})
