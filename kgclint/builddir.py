"""What a Kbuild ``O=`` build directory says about the final vmlinux link.

Kbuild records the commands it ran: ``.vmlinux.o.cmd`` holds the ``ld -r``
that made ``vmlinux.o`` from ``vmlinux.a`` (``--whole-archive``) and the
library archives (``--start-group lib.a ... --end-group``), in link order;
``.vmlinux.cmd`` holds ``link-vmlinux.sh`` with the linker and its flags
(``--gc-sections`` when LD_DEAD_CODE_DATA_ELIMINATION is set, ``-z``
options, ``-e``). ``scripts/link-vmlinux.sh`` then links ``vmlinux.a``,
``.vmlinux.export.o`` (modules) and ``init/version-timestamp.o`` whole,
the libraries as a group, and the kallsyms and BTF objects when present,
with ``arch/$(SRCARCH)/kernel/vmlinux.lds``. kgclint reads those records
instead of guessing, so its simulation links what the kernel links.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

#: Objects link-vmlinux.sh adds after vmlinux.a inside --whole-archive, when they exist.
_WHOLE_EXTRAS = (".vmlinux.export.o", "init/version-timestamp.o")
_KALLSYMS = re.compile(r"^\.tmp_vmlinux\d*\.kallsyms\.o$|^\.tmp_vmlinux\.kallsyms\d*\.o$")


@dataclass(frozen=True, slots=True)
class LinkItem:
    """One input of the vmlinux link: a path relative to the build directory, and ``--whole-archive``."""

    path: str
    whole: bool


@dataclass(frozen=True, slots=True)
class VmlinuxLink:
    """The final vmlinux link of a build directory, as far as GC cares."""

    build_dir: Path
    srcarch: str | None
    script: str | None
    config: str | None
    items: tuple[LinkItem, ...]
    linker: str
    gc_sections: bool
    entry: str | None
    undefined: tuple[str, ...]
    start_stop_gc: bool | None
    relocatable: str | None


def _saved_command(path: Path) -> list[str]:
    """The argv of a Kbuild ``.*.cmd`` file's ``savedcmd_`` line (empty when absent)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    for line in text.splitlines():
        if line.startswith("savedcmd_") or line.startswith("cmd_"):
            command = line.split(":=", 1)[1].split(";", 1)[0]
            try:
                return shlex.split(command)
            except ValueError:
                return command.split()
    return []


def _srcarch(build_dir: Path) -> str | None:
    scripts = sorted(build_dir.glob("arch/*/kernel/vmlinux.lds"))
    return scripts[0].parts[-3] if scripts else None


def vmlinux_link(build_dir: Path) -> VmlinuxLink:
    """Read the final link's inputs and options from a build directory's Kbuild records."""
    build_dir = Path(build_dir)
    srcarch = _srcarch(build_dir)
    script = f"arch/{srcarch}/kernel/vmlinux.lds" if srcarch else None
    items: list[LinkItem] = []
    whole = False
    argv = _saved_command(build_dir / ".vmlinux.o.cmd")
    after_output = False
    for token in argv[1:]:
        if token == "--whole-archive":
            whole = True
        elif token == "--no-whole-archive":
            whole = False
            for extra in _WHOLE_EXTRAS:
                if (build_dir / extra).is_file():
                    items.append(LinkItem(extra, True))
        elif token.startswith("-"):
            after_output = token == "-o"
        elif after_output:
            after_output = False
        elif token.endswith((".a", ".o")):
            items.append(LinkItem(token, whole))
    if not items and (build_dir / "vmlinux.a").is_file():
        items = [LinkItem("vmlinux.a", True)]
        items += [LinkItem(e, True) for e in _WHOLE_EXTRAS if (build_dir / e).is_file()]
    kallsyms = sorted(p.name for p in build_dir.glob(".tmp_vmlinux*.o") if _KALLSYMS.match(p.name))
    if kallsyms:
        items.append(LinkItem(kallsyms[-1], False))
    if (build_dir / ".btf.vmlinux.bin.o").is_file():
        items.append(LinkItem(".btf.vmlinux.bin.o", False))
    flags = _saved_command(build_dir / ".vmlinux.cmd")
    ld = flags[1] if len(flags) > 1 else ""
    words = " ".join(flags[2:]).split()
    return VmlinuxLink(
        build_dir=build_dir,
        srcarch=srcarch,
        script=script if script and (build_dir / script).is_file() else None,
        config=".config" if (build_dir / ".config").is_file() else None,
        items=tuple(items),
        linker="lld" if "lld" in Path(ld).name else "bfd",
        gc_sections="--gc-sections" in words,
        entry=_option(words, ("-e", "--entry")),
        undefined=tuple(_options(words, ("-u", "--undefined", "--require-defined"))),
        start_stop_gc=_z_start_stop(words),
        relocatable="vmlinux.o" if (build_dir / "vmlinux.o").is_file() else None,
    )


def _options(words: list[str], names: tuple[str, ...]) -> list[str]:
    values = []
    for i, word in enumerate(words):
        for name in names:
            if word == name and i + 1 < len(words):
                values.append(words[i + 1])
            elif word.startswith(name + "="):
                values.append(word.split("=", 1)[1])
    return values


def _option(words: list[str], names: tuple[str, ...]) -> str | None:
    values = _options(words, names)
    return values[-1] if values else None


def _z_start_stop(words: list[str]) -> bool | None:
    value = None
    for i, word in enumerate(words):
        if word == "-z" and i + 1 < len(words):
            if words[i + 1] == "start-stop-gc":
                value = True
            elif words[i + 1] == "nostart-stop-gc":
                value = False
    return value


def inputs(build_dir: Path) -> list[Path]:
    """The files of an ``O=`` directory kgclint reads.

    The generated script, ``.config``, the link's archives and objects, the
    members of its thin archives (listed so the engine parses them in its
    pool and caches them; the GC analysis takes their facts from there), and
    ``vmlinux.o``.
    """
    link = vmlinux_link(build_dir)
    paths = []
    if link.script:
        paths.append(link.build_dir / link.script)
    if link.config:
        paths.append(link.build_dir / link.config)
    paths += [link.build_dir / item.path for item in link.items]
    paths += thin_members(link)
    if link.relocatable:
        paths.append(link.build_dir / link.relocatable)
    return paths


def thin_members(link: VmlinuxLink) -> list[Path]:
    """The object files behind the link's thin archives, so the engine parses (and caches) them in its pool."""
    from kgclint.elf.archive import read_archive

    out: list[Path] = []
    for item in link.items:
        path = link.build_dir / item.path
        if not item.path.endswith(".a"):
            continue
        try:
            facts = read_archive(path.read_bytes(), item.path)
        except OSError:
            continue
        if facts.thin:
            out += [path.parent / m.name for m in facts.members if (path.parent / m.name).is_file()]
    return out
