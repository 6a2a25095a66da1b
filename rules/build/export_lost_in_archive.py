"""KGC401: an exported symbol in an archive member the link never takes."""

from __future__ import annotations

from collections.abc import Iterable

from kgclint.analysis.kbuild import KbuildModel
from kgclint.findings import Finding, Severity
from kgclint.inputs import InputKind
from kgclint.kbuild.archives import ArchiveLinkResult
from kgclint.kbuild.pull import SourcePull
from kgclint.location import Location, Related
from kgclint.rule import Rule


class ExportLostInArchive(Rule):
    """An EXPORT_SYMBOL in a lib-y object that reaches the link only through an archive nothing pulls it from.

    What it finds:
    An object listed in ``lib-y`` goes into its directory's ``lib.a``, and
    when the tree links that ``lib.a`` as an archive (not in whole), ld
    takes the object only if something already linked references a symbol
    it defines. This rule finds such objects that export symbols
    (``EXPORT_SYMBOL*``) while nothing linked references any of their
    symbols: from sources and makefiles (identifiers used by built-in
    sources), and, when archives and objects of a build are given, proved
    by replaying ld's archive extraction on their symbol tables. When the
    tree links the archive in whole (Linux does for ``lib/lib.a`` when
    ``CONFIG_MODULES`` is set, read from its top-level Makefile and link
    recipe) it stays quiet.

    Why it breaks a kernel:
    The object never enters vmlinux, so its exports are not in the kernel's
    symbol table either, and every module that uses one fails to load
    (``ERROR: "dma_noop_ops" [drivers/char/bsr.ko] undefined!``), though the
    kernel built and linked without a word. Whether it is pulled in depends
    on what else the configuration builds, so it breaks one configuration
    and not another.

    Example:
    lib/Makefile::

        lib-y += dma-noop.o          # exports dma_noop_ops, used only by modules

    Fix:
    Build the object into the kernel with ``obj-y`` (or ``obj-$(CONFIG_X)``
    with a Kconfig symbol that users of the export select), or link the
    archive in whole; a reference from built-in code also works but is
    fragile.
    """

    code = "KGC401"
    name = "export-lost-in-archive"
    severity = Severity.ERROR
    needs = frozenset({InputKind.KBUILD, InputKind.C, InputKind.ASM, InputKind.OBJECT, InputKind.ARCHIVE})

    def check(self, project) -> Iterable[Finding]:
        model = project.analysis(KbuildModel)
        exports = _exports_by_symbol(project)
        proof = project.analysis(ArchiveLinkResult)
        if proof.found:
            yield from self._from_objects(model, proof, exports)
        else:
            yield from self._from_sources(project, model, exports)

    def _from_sources(self, project, model: KbuildModel, exports) -> Iterable[Finding]:
        pull = project.analysis(SourcePull)
        for member in pull.unpulled:
            link = model.archives.get(_archive_of(member.path))
            for source in member.sources:
                for export in exports.get_by_path(source):
                    related = [Related(member.origin, f"{member.path} is a lib-y object here")]
                    if link is not None:
                        related.append(Related(link.origin or member.origin, f"{link.archive} is linked as an archive: {link.reason}"))
                    when = _when(member.guards)
                    yield self.finding(
                        f"{export.symbol} is exported but never linked: {member.path} reaches the link only through "
                        f"{_archive_of(member.path)} and no built-in source references any symbol it defines, "
                        f"so ld leaves it out{when} and the export is missing from the image "
                        f"({model.describe_mode()})",
                        export.location,
                        related=related,
                        properties={"mode": model.mode, "evidence": "sources"},
                    )

    def _from_objects(self, model: KbuildModel, proof: ArchiveLinkResult, exports) -> Iterable[Finding]:
        for member in proof.left_out:
            for symbol in sorted(member.exports):
                places = exports.get_by_symbol(symbol)
                location = places[0].location if places else Location(member.path)
                yield self.finding(
                    f"{symbol} is exported but never linked: ld does not extract {member.name} from {member.archive} "
                    f"(no object linked in whole, and no extracted member, references a symbol it defines), "
                    f"so the export is missing from the image ({model.describe_mode()}; proved on the archive's symbol tables)",
                    location,
                    related=[Related(Location(member.archive), f"{member.name} is a member of this archive")],
                    properties={"mode": model.mode, "evidence": "objects"},
                )


class _Exports:
    """Exports from sources, by file and by symbol."""

    def __init__(self, exports) -> None:
        self.by_path: dict[str, list] = {}
        self.by_symbol: dict[str, list] = {}
        for export in exports:
            self.by_path.setdefault(export.location.path, []).append(export)
            self.by_symbol.setdefault(export.symbol, []).append(export)

    def get_by_path(self, path: str) -> list:
        return self.by_path.get(path, [])

    def get_by_symbol(self, symbol: str) -> list:
        return self.by_symbol.get(symbol, [])


def _exports_by_symbol(project) -> _Exports:
    if not project.facts(InputKind.C) and not project.facts(InputKind.ASM):
        return _Exports(())
    # Imported here: an objects-only run needs no C macro tables.
    from kgclint.analysis.sections import SectionIndex

    return _Exports(project.analysis(SectionIndex).exports)


def _archive_of(path: str) -> str:
    directory = path.rpartition("/")[0]
    return f"{directory}/lib.a" if directory else "lib.a"


def _when(guards: frozenset[str]) -> str:
    return f" when {' and '.join(sorted(guards))}" if guards else ""
