"""Front-ends for ELF objects (``*.o``, ``vmlinux.o``) and ``ar`` archives (``*.a``, thin or regular).

Pure: one file's bytes in, facts out. A thin archive's members are other
files, so they are recorded by path and read by the GC analysis.
"""

from __future__ import annotations

from kgclint.elf.archive import read_archive
from kgclint.elf.facts import ArchiveFacts, ObjectFacts
from kgclint.elf.reader import read_object
from kgclint.inputs import SourceInput


def parse_object(source: SourceInput) -> ObjectFacts:
    """The ELF facts of one object file."""
    return read_object(source.data, source.path)


def parse_archive(source: SourceInput) -> ArchiveFacts:
    """The members and symbol index of one archive."""
    return read_archive(source.data, source.path)
