"""Which codes run: --select/--ignore/--extend-select by code prefix, longest prefix wins."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kgclint.core_codes import CORE_PREFIX


@dataclass(frozen=True, slots=True)
class Selection:
    """Code prefixes to select and to ignore.

    The longest prefix that matches a code decides; at equal length ignore
    wins. So ``--select KGC2 --ignore KGC20 --select KGC201`` runs KGC201 and
    KGC210 but not KGC202. The engine's own codes (``KGC0xx``: unreadable
    input, internal errors, skipped files) stay on under any selection, as if
    ``KGC0`` were always selected, unless a matching ``--ignore`` says
    otherwise: a run that silently skipped a file must not look clean.
    """

    select: tuple[str, ...] = ("KGC",)
    ignore: tuple[str, ...] = ()

    def enabled(self, code: str) -> bool:
        implicit = len(CORE_PREFIX) if code.startswith(CORE_PREFIX) else -1
        best_select = max((len(p) for p in self.select if code.startswith(p)), default=implicit)
        best_select = max(best_select, implicit)
        best_ignore = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        return best_select > best_ignore

    @classmethod
    def build(
        cls,
        select: Iterable[str] | None,
        ignore: Iterable[str] = (),
        extend_select: Iterable[str] = (),
    ) -> Selection:
        chosen = tuple(select) if select is not None else ("KGC",)
        return cls(select=chosen + tuple(extend_select), ignore=tuple(ignore))


def split_codes(values: Iterable[str]) -> list[str]:
    """``["KGC1,KGC2", "KGC3"]`` → ``["KGC1", "KGC2", "KGC3"]``, validated as code prefixes."""
    codes: list[str] = []
    for value in values:
        for part in value.split(","):
            part = part.strip().upper()
            if not part:
                continue
            if not (part.startswith("KGC") and part[3:].isdigit() or part == "KGC") or len(part) > 6:
                raise ValueError(f"{part!r} is not a code or code prefix (KGC, KGC1, KGC20, KGC201)")
            codes.append(part)
    return codes
