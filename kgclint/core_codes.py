"""The engine's own finding codes (KGC0xx), documented like rules.

They are not plugins: the engine emits them for problems with the inputs,
with suppressions, with itself, and with configured limits. They are
selectable like any rule code, and no plugin may claim the ``KGC0`` prefix.
"""

from __future__ import annotations

from collections.abc import Iterable

from kgclint.findings import Severity
from kgclint.rule import Rule

#: The code prefix reserved for the engine.
CORE_PREFIX = "KGC0"


class CoreCode(Rule):
    """Base of the engine's codes: documented and selectable, produced by the engine itself."""

    def check(self, project: object) -> Iterable:
        """The engine emits these codes itself while reading inputs; there is nothing to check later."""
        return ()


class InputError(CoreCode):
    """An input kgclint could not read or parse completely.

    What it finds:
    A file that is unreadable, not valid for its kind (a C file with a syntax
    error, a truncated ELF object, a linker script that does not parse), or a
    path that cannot be followed (a symlink loop). The message names the file,
    the line when there is one, and what was expected.

    Why it breaks a kernel:
    Whatever kgclint cannot read it cannot check: a table entry in a file that
    did not parse is invisible to every rule, so a silent skip would hide the
    very defect the run was for.

    Example:
    drivers/foo.c:12:1: KGC001 C syntax error: unexpected '}'

    Fix:
    Fix the input, or exclude it in the configuration (``exclude``) when it is
    not part of any build.
    """

    code = "KGC001"
    name = "input-error"
    severity = Severity.ERROR


class UnusedSuppression(CoreCode):
    """A ``kgclint: ignore[...]`` comment that suppressed nothing.

    What it finds:
    An inline suppression whose codes matched no finding on its line or the
    line after it, in a run where those codes were selected.

    Why it breaks a kernel:
    A stale suppression outlives the code it excused and will silently hide
    the next real finding on that line, for instance a new table entry whose
    section lost its KEEP().

    Example:
    /* kgclint: ignore[KGC101] probed by address from firmware */
    static int foo;   (foo is now used, so KGC101 no longer fires)

    Fix:
    Delete the comment, or narrow it to the codes that still fire.
    """

    code = "KGC002"
    name = "unused-suppression"
    severity = Severity.WARNING


class InternalError(CoreCode):
    """kgclint itself failed on one file or in one rule.

    What it finds:
    An exception inside a front-end (while reading one file) or inside a rule.
    The message names the file or the rule and the exception; the run went
    on with everything else.

    Why it breaks a kernel:
    The failed part was not checked, so the run's silence about it means
    nothing. It is reported rather than hidden so that CI can tell.

    Example:
    arch/arm/kernel/vmlinux.lds.S:1:0: KGC003 internal error in rule KGC201 (table-without-keep): KeyError: 'x'

    Fix:
    Report it to kgclint's developers with the file that triggered it.
    """

    code = "KGC003"
    name = "internal-error"
    severity = Severity.ERROR


class LimitExceeded(CoreCode):
    """An input hit a configured size or time bound and was skipped.

    What it finds:
    A source file larger than ``max-file-size``, or one whose front-end ran
    longer than ``file-timeout`` seconds.

    Why it breaks a kernel:
    A skipped file is unchecked: its table entries and section switches are
    invisible to every rule.

    Example:
    drivers/gpu/huge_table.h:1:0: KGC004 skipped: 12.0 MiB is over the 8 MiB limit (max-file-size)

    Fix:
    Raise the limit in ``[tool.kgclint]`` when the file is real source, or
    exclude it when it is generated data.
    """

    code = "KGC004"
    name = "limit-exceeded"
    severity = Severity.WARNING


CORE_CODES: tuple[type[Rule], ...] = (InputError, UnusedSuppression, InternalError, LimitExceeded)
