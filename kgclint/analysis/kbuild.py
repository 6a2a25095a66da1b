"""The tree-wide Kbuild model: which objects are built in, which reach the link only through an archive.

Kbuild links every directory's ``obj-y`` objects in whole (``built-in.a``
inside ``vmlinux.a``, under ``--whole-archive``) and puts ``lib-y`` objects
into ``lib.a``; whether a ``lib.a`` is then linked in whole or as a plain
archive (members pulled in only when something references them) is decided
by the tree's own top-level makefile and link recipe. This analysis reads
that decision from the tree instead of assuming it: it finds the variable
the link recipe in ``scripts/`` puts between ``--start-group`` and
``--end-group``, evaluates the top-level ``Makefile`` (with the arch
makefile it includes) for it, and so learns, for instance, that Linux links
``lib/lib.a`` in whole only when ``CONFIG_MODULES`` is set.

From the root it descends like Kbuild: ``Kbuild`` before ``Makefile`` in
each directory, into each ``dir/`` of ``obj-y``; composite objects
(``foo-y``/``foo-objs``) are split into their parts; the section flags
(``-f[no-]function-sections``, ``-f[no-]data-sections``) of each object are
gathered from ``subdir-ccflags-y`` (inherited), ``ccflags-y``,
``CFLAGS_<obj>.o`` and ``CFLAGS_REMOVE_<obj>.o``.

When the user names files or folders rather than the tree (a pre-commit
hook names the staged files), only the directories on the way to them are
read, for what they pass down, and only the named folders (and those of the
named files) contribute objects: the rest of the tree is not what was asked
about, and reading its thousands of makefiles would cost seconds.

With a configuration (``--config``, or the ``.config`` of ``--build-dir``)
the answer is the one for that build; without, every branch is taken and
each object carries the conditions (``guards``) it is built under.
"""

from __future__ import annotations

import glob
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kgclint.analysis.included import IncludedFromBuild
from kgclint.c.include_paths import on_search_path
from kgclint.findings import Diagnostic
from kgclint.frontends import kbuild as kbuild_frontend
from kgclint.frontends import kconfig as kconfig_frontend
from kgclint.frontends.kbuild import KbuildFacts
from kgclint.inputs import InputKind, SourceInput
from kgclint.kbuild.evaluate import NO_GUARDS, Env, Evaluator, Guards, Var, Word, membership_variable
from kgclint.location import Location
from kgclint.project import Project

#: Makefiles kgclint reads from disk (includes, arch makefiles) are bounded like the front-end's inputs.
MAX_MAKEFILE_BYTES = kbuild_frontend.MAX_BYTES
MAX_DIRECTORIES = 20_000
#: The most paths one ``$(wildcard)`` lists (Linux's largest, a dts folder, has a few hundred).
MAX_WILDCARD = 10_000
_SECTION_FLAGS = re.compile(r"^-f(no-)?(function|data)-sections$")
_GROUP = re.compile(r"--start-group[\s\\]+\$[({](\w+)[)}][\s\\]+\S*--end-group")
_SHELL_ALIAS = r'(?m)^\s*{name}="?\$\{{(\w+)\}}"?\s*$'


@dataclass(frozen=True, slots=True)
class SectionFlag:
    """A ``-f[no-]function-sections``/``-f[no-]data-sections`` flag in effect for an object, and its line."""

    flag: str
    origin: Location | None

    @property
    def disables(self) -> bool:
        return self.flag.startswith("-fno-")


@dataclass(frozen=True, slots=True)
class KObject:
    """One object Kbuild builds for the kernel image.

    ``kind`` is ``builtin`` (obj-y), ``head`` (head-y), ``library`` (lib-y,
    reaching the link through a conditionally linked ``lib.a``) or
    ``library-whole`` (lib-y of a ``lib.a`` the tree links in whole).
    ``sources`` are the source files (C or assembly) found for it or its
    composite parts.
    """

    path: str
    kind: str
    origin: Location
    guards: Guards
    sources: tuple[str, ...]
    section_flags: tuple[SectionFlag, ...] = ()

    def effective_flag(self, what: str) -> SectionFlag | None:
        """The last ``-f[no-]<what>-sections`` flag (gcc obeys the last one), or None when none is given."""
        chosen = None
        for flag in self.section_flags:
            if flag.flag in (f"-f{what}-sections", f"-fno-{what}-sections"):
                chosen = flag
        return chosen


@dataclass(frozen=True, slots=True)
class ArchiveLink:
    """How a directory's ``lib.a`` is linked: as an archive (``conditional``) or in whole, and why."""

    archive: str
    conditional: bool
    guards: Guards
    reason: str
    origin: Location | None


class KbuildModel:
    """Built-in objects, archive members and archive linkage of a tree, under a configuration or every branch."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.objects, self.library, self.archives = {}, {}, {}
        self.directories, self.diagnostics, self.by_source = [], [], {}
        self.unmodelled: list[str] = []     # folders obj-y names that the model could not read
        self.rooted = False                 # whether the descent began at the tree's own top-level makefile
        self._top_env: Env = {}
        self._reached: frozenset[str] | None = None
        self._included: IncludedFromBuild | None = None
        self._module_macros: frozenset[str] | None = None
        self._facts = {f.path: f for f in project.facts(InputKind.KBUILD)}
        self._focus = project.scope_dirs()
        self.config, self.config_source = _configuration(project, self.diagnostics)
        self._build()

    @property
    def mode(self) -> str:
        """``config`` when a configuration was given, else ``all-branches``."""
        return "all-branches" if self.config is None else "config"

    def describe_mode(self) -> str:
        """How the configuration was chosen, for finding messages."""
        if self.config is None:
            return "no configuration given: every makefile branch considered"
        return f"configuration {self.config_source}"

    def linked_objects(self) -> list[KObject]:
        """Everything the link takes in whole: built-in, head and whole-archive objects."""
        return list(self.objects.values())

    def objects_of(self, source: str) -> list[KObject]:
        """The objects a source file is compiled into (usually one)."""
        return self.by_source.get(source, [])

    def module_only_macros(self) -> frozenset[str]:
        """The macros Kbuild defines only where it compiles an object for a module.

        Read from the top-level makefile's ``-D`` options in
        ``KBUILD_CFLAGS_MODULE``/``KBUILD_AFLAGS_MODULE`` (Linux's
        ``-DMODULE``): code under ``#ifdef`` of one is in module objects
        alone, which no kernel image script links.
        """
        if self._module_macros is None:
            evaluator = self._evaluator(quiet=True)
            self._module_macros = frozenset(
                word.text[2:].partition("=")[0]
                for variable in ("KBUILD_CFLAGS_MODULE", "KBUILD_AFLAGS_MODULE")
                for word in evaluator.value_words(variable, self._top_env, Location("Makefile"))
                if word.text.startswith("-D") and len(word.text) > 2
            )
        return self._module_macros

    def outside_build(self, source: str) -> bool:
        """Whether no kernel object is compiled from a tree file: user-space programs, BPF objects, their headers.

        True when Kbuild's descent from the top never reaches the file's
        folder (``tools/``, a module-only ``obj-m += x/``), the folder is not
        one the kernel's ``-I`` options name (``include/``,
        ``arch/<a>/include/``), and no file of the build includes it
        (``kernel/bpf/btf.c`` includes ``../../tools/lib/bpf/relo_core.h``:
        ``kgclint.analysis.included``). Never true for a tree without a
        top-level makefile, under a folder the model could not read
        (``arch/$(SRCARCH)/`` without --arch), when the descent stopped at
        its bound, or for a header in a run over named files (whose
        includers elsewhere in the tree were not read).
        """
        if not self.rooted or len(self.directories) >= MAX_DIRECTORIES or on_search_path(source):
            return False
        if self._focus is not None and (not source.endswith((".c", ".S"))
                                        or not self._in_scope(posixpath.dirname(source))):
            return False            # only the folders asked about were read
        return self._unreached(source) and source not in self.included().files

    def included(self) -> IncludedFromBuild:
        """The quoted includes into unreached folders, and what the build includes there."""
        if self._included is None:
            self._included = IncludedFromBuild(self.project, self._unreached)
        return self._included

    def _unreached(self, path: str) -> bool:
        """Whether the descent never reaches the folder of ``path`` nor a folder above it it could not read."""
        folder = posixpath.dirname(path)
        if self._reached is None:
            self._reached = frozenset(self.directories)
        if folder in self._reached:
            return False
        return not any(folder == d or folder.startswith(d + "/") or not d for d in self.unmodelled)

    # loading -------------------------------------------------------------------------------

    def load(self, path: str) -> KbuildFacts | None:
        """A makefile's facts: from the project's inputs, else the run's cache, else read from the tree as the run sees it."""
        path = posixpath.normpath(path)
        if path in self._facts:
            return self._facts[path]
        cached = self.project.context_file(path, InputKind.KBUILD)
        if cached is not None:
            self._facts[path] = cached
            return cached
        try:
            data = self.project.read_bytes(path)[:MAX_MAKEFILE_BYTES + 1]
        except OSError:             # missing, a folder, deleted by the patch, unreadable
            return None
        facts = kbuild_frontend.parse(SourceInput(path, data, self.project.arch_of(path)))
        self._facts[path] = facts
        return facts

    def _evaluator(self, reported: Callable[[str], bool] = membership_variable, *, quiet: bool = False) -> Evaluator:
        """An evaluator of this tree's makefiles under the run's configuration, ``$(wildcard)`` listing the tree;
        ``quiet`` leaves conditions and includes undiagnosed (the top-level makefile's)."""
        return Evaluator(self.config, self.load, reported=reported, glob=self._glob,
                         report_conditions=not quiet, report_includes=not quiet)

    def _glob(self, pattern: str) -> list[str]:
        """What ``$(wildcard pattern)`` lists, make being run at the tree's top (Kbuild's ``srctree`` is ``.``)."""
        if pattern.startswith("/") or ".." in pattern.split("/"):
            return []               # outside the tree: nothing kgclint reads
        return sorted(glob.glob(pattern, root_dir=self.project.root))[:MAX_WILDCARD]

    def _leads_to_scope(self, directory: str) -> bool:
        """Whether a directory is in the named scope or on the way to it (always, for the whole tree)."""
        if self._focus is None or not directory:
            return True
        return any(f == directory or f.startswith(directory + "/") or directory.startswith(f + "/") or not f
                   for f in self._focus)

    def _in_scope(self, directory: str) -> bool:
        """Whether a directory's objects were asked about: inside a named folder or a named file's folder."""
        if self._focus is None:
            return True
        return any(not f or f == directory or directory.startswith(f + "/") for f in self._focus)

    def _exists(self, path: str) -> bool:
        return (self.project.root / path).exists()

    # building ------------------------------------------------------------------------------

    def _build(self) -> None:
        arch = self.project.options.arch
        # The variables of the final make invocation Kbuild's top-level Makefile re-runs itself into.
        base: Env = {
            "srctree": Var(False, (Word("."),)), "objtree": Var(False, (Word("."),)),
            "sub_make_done": Var(False, (Word("1"),), exported=True),
            "MAKEFLAGS": Var(False, (Word("--no-print-directory"),), exported=True),
        }
        if arch:
            base["ARCH"] = Var(False, (Word(arch),))
            base["SRCARCH"] = Var(False, (Word(arch),))
        top = self.load("Makefile")
        root_kbuild = self.load("Kbuild")
        recipe = _link_recipe(self.project.root)
        link_var = recipe[0] if recipe else None
        top_env: Env = dict(base)
        if top is not None:
            wanted = {link_var, "libs-y", "core-y", "head-y"} - {None}
            evaluator = self._evaluator(lambda name: name in wanted, quiet=True)
            top_env = evaluator.run(top, dict(base))
            self.diagnostics.extend(evaluator.diagnostics)
        exported: Env = {k: v for k, v in top_env.items() if v.exported}
        exported.update(base)
        conditional = self._conditional_archives(top_env, recipe, top)
        self._top_env = top_env
        if root_kbuild is None and top is None:
            for path in sorted(self._facts):
                directory = posixpath.dirname(path)
                if posixpath.basename(path) in ("Makefile", "Kbuild") and not self._shadowed(path):
                    self._directory(directory, exported, [], NO_GUARDS, None, conditional)
            return
        head = top_env.get("head-y")
        if head is not None:
            evaluator = self._evaluator()
            for word in evaluator.value_words("head-y", top_env, Location("Makefile")):
                if not self._in_scope(posixpath.dirname(posixpath.normpath(word.text))):
                    continue
                self._add_object(word.text, "head", word, "", [], {}, self._evaluator())
        root_env = top_env if root_kbuild is None else None
        self.rooted = True
        self._directory("", exported, [], NO_GUARDS, None, conditional, ready=root_env)

    def _every_arch(self, directory: str) -> list[str]:
        """The folders under ``directory`` that have a makefile, when the run names no arch: every value of it.

        Linux's ``obj-y += arch/$(SRCARCH)/`` names ``arch/`` when nothing
        sets SRCARCH; with no --arch the run is about every arch, as about
        every configuration. Their folders stay unmodelled for
        ``outside_build``: an arch's own makefile (not read without the arch)
        adds more of them (``libs-y += arch/x86/lib/``).
        """
        if self.project.options.arch is not None or not self._exists(directory):
            return []
        try:
            names = sorted(p.name for p in (self.project.root / directory).iterdir() if p.is_dir())
        except OSError:
            return []
        prefix = directory + "/" if directory else ""
        return [prefix + name for name in names
                if any(self.load(f"{prefix}{name}/{makefile}") is not None for makefile in ("Kbuild", "Makefile"))]

    def _shadowed(self, path: str) -> bool:
        """A directory's Makefile is not read by Kbuild when a Kbuild file sits beside it."""
        return posixpath.basename(path) == "Makefile" and self.load(posixpath.join(posixpath.dirname(path), "Kbuild")) is not None

    def _conditional_archives(self, top_env: Env, recipe: tuple[str, Location] | None, top: KbuildFacts | None) -> dict[str, ArchiveLink] | None:
        """The archives the link takes as archives, by path; None when the tree has no link recipe."""
        if recipe is None or top is None:
            return None
        name, where = recipe
        evaluator = self._evaluator()
        links: dict[str, ArchiveLink] = {}
        for word in evaluator.value_words(name, top_env, Location("Makefile")):
            archive = posixpath.normpath(word.text)
            reason = (f"{where} links $({name}) between --start-group and --end-group, and "
                      f"{word.origin or 'Makefile'} puts {archive} there")
            links[archive] = ArchiveLink(archive, True, word.guards, reason, word.origin)
        return links

    def _directory(self, directory: str, exported: Env, inherited: list[Word], guards: Guards,
                   named_at: Word | None, conditional: dict[str, ArchiveLink] | None, ready: Env | None = None) -> None:
        if len(self.directories) >= MAX_DIRECTORIES:
            return
        if directory in self.directories:
            return
        prefix = directory + "/" if directory else ""
        evaluator = self._evaluator()
        if ready is not None:
            env = ready
            makefile = "Makefile"
        else:
            makefile = prefix + "Kbuild" if self.load(prefix + "Kbuild") is not None else prefix + "Makefile"
            facts = self.load(makefile)
            if facts is None:
                where = named_at.origin if named_at and named_at.origin else Location(makefile)
                what = "is not a directory" if not self._exists(directory) else "has no Kbuild or Makefile"
                self.unmodelled.append(directory)
                arches = self._every_arch(directory)
                if not arches:
                    self.diagnostics.append(Diagnostic(
                        where, f"obj-y names '{directory}/', which {what}; nothing under it is modelled"))
                for sub in filter(self._leads_to_scope, arches):
                    self._directory(sub, exported, inherited, guards | (named_at.guards if named_at else NO_GUARDS),
                                    named_at, conditional)
                return
            env = dict(exported)
            env["src"] = env["obj"] = Var(False, (Word(directory or "."),))
            env = evaluator.run(facts, env)
        self.directories.append(directory)
        try:
            self._members(directory, prefix, makefile, env, evaluator, exported, inherited, guards, conditional)
        finally:
            self.diagnostics.extend(evaluator.diagnostics)

    def _members(self, directory: str, prefix: str, makefile: str, env: Env, evaluator: Evaluator, exported: Env,
                 inherited: list[Word], guards: Guards, conditional: dict[str, ArchiveLink] | None) -> None:
        """Kbuild's lists for one evaluated directory: objects, archive members, flags, then descent."""
        where = Location(makefile)
        words = lambda name: evaluator.value_words(name, env, where)  # noqa: E731
        obj_y = [w for w in words("obj-y")]
        subdir_flags = inherited + [w for w in words("subdir-ccflags-y") if _SECTION_FLAGS.match(w.text)]
        own_flags = [w for w in words("ccflags-y") if _SECTION_FLAGS.match(w.text)]
        if self._in_scope(directory):
            self._objects_here(obj_y, words, prefix, (subdir_flags + own_flags, env, evaluator), guards, conditional)
        for word in obj_y:
            if word.text.endswith("/"):
                sub = posixpath.normpath(prefix + word.text)
                if not self._leads_to_scope(sub):
                    continue
                self._directory(sub, exported, subdir_flags, guards | word.guards, word, conditional)

    def _objects_here(self, obj_y: list[Word], words, prefix: str, flags_env: tuple, guards: Guards,
                      conditional: dict[str, ArchiveLink] | None) -> None:
        """One directory's built-in objects and ``lib.a`` members."""
        builtin_names = {posixpath.normpath(w.text) for w in obj_y}
        lib_words = [w for w in words("lib-y") + words("lib-m") if posixpath.normpath(w.text) not in builtin_names]
        link = self._archive_link(prefix + "lib.a", conditional) if lib_words else None
        for word in obj_y:
            if word.text.endswith("/"):
                continue
            self._add_object(word.text, "builtin", word, prefix, *flags_env, guards=guards)
        for word in lib_words:
            if word.text.endswith("/"):
                continue
            kind = "library" if link is not None and link.conditional else "library-whole"
            extra = link.guards if link is not None and link.conditional else NO_GUARDS
            self._add_object(word.text, kind, word, prefix, *flags_env, guards=guards | extra)

    def _archive_link(self, archive: str, conditional: dict[str, ArchiveLink] | None) -> ArchiveLink:
        if conditional is None:
            link = ArchiveLink(archive, True, NO_GUARDS,
                               "Kbuild links lib-y objects through lib.a, an archive (no link recipe in scripts/ says otherwise)",
                               None)
        elif archive in conditional:
            link = conditional[archive]
        else:
            holder = self._holder(archive)
            reason = (f"{holder[1] or 'Makefile'} puts it in {holder[0]}, not in the archives the link recipe groups: "
                      f"it is linked in whole" if holder else
                      "the link recipe does not take it as an archive (linked in whole, or not at all)")
            link = ArchiveLink(archive, False, NO_GUARDS, reason, holder[1] if holder else None)
        self.archives[archive] = link
        return link

    def _holder(self, archive: str) -> tuple[str, Location | None] | None:
        """The top-level variable (and line) that lists an archive, when one does."""
        evaluator = self._evaluator()
        for name in sorted(self._top_env):
            if not name.isupper():
                continue
            for word in evaluator.value_words(name, self._top_env, Location("Makefile")):
                if posixpath.normpath(word.text) == archive:
                    return name, word.origin
        return None

    def _add_object(self, name: str, kind: str, word: Word, prefix: str, flags: list[Word], env: Env,
                    evaluator: Evaluator, guards: Guards = NO_GUARDS) -> None:
        path = posixpath.normpath(prefix + name)
        if not path.endswith(".o"):
            return
        stem = name[:-2]
        where = word.origin or Location(prefix + "Makefile")
        parts = [w.text for w in evaluator.value_words(f"{stem}-y", env, where) + evaluator.value_words(f"{stem}-objs", env, where)]
        components = parts or [name]
        sources: list[str] = []
        flag_words = list(flags)
        for component in components:
            base = posixpath.normpath(prefix + component)[:-2] if component.endswith(".o") else None
            if base is None:
                continue
            for suffix in (".c", ".S"):
                if self._exists(base + suffix):
                    sources.append(base + suffix)
                    break
            comp_name = posixpath.basename(component)
            flag_words += [w for w in evaluator.value_words(f"CFLAGS_{comp_name}", env, where) if _SECTION_FLAGS.match(w.text)]
        removed = {w.text for w in evaluator.value_words(f"CFLAGS_REMOVE_{posixpath.basename(name)}", env, where)}
        section_flags = tuple(SectionFlag(w.text, w.origin) for w in flag_words if w.text not in removed)
        obj = KObject(path, kind, where, guards | word.guards, tuple(sources), section_flags)
        table = self.library if kind == "library" else self.objects
        if path in table or (kind == "library" and path in self.objects):
            return
        table[path] = obj
        for source in sources:
            self.by_source.setdefault(source, []).append(obj)


def _configuration(project: Project, diagnostics: list[Diagnostic]) -> tuple[dict[str, str] | None, str]:
    """The configuration to evaluate under: ``--config``, else the build directory's ``.config``, else none."""
    options = project.options
    candidates: list[Path] = []
    if options.config is not None:
        candidates.append(options.config if options.config.is_absolute() else project.root / options.config)
    elif options.build_dir is not None:
        build = options.build_dir if options.build_dir.is_absolute() else project.root / options.build_dir
        candidates.append(build / ".config")
    for path in candidates:
        try:
            data = path.read_bytes()
        except OSError as exc:
            diagnostics.append(Diagnostic(Location(str(path)), f"cannot read the configuration: {exc.strerror}; every branch is considered"))
            return None, ""
        facts = kconfig_frontend.parse(SourceInput(str(path), data, None))
        diagnostics.extend(facts.diagnostics)
        return facts.as_dict(), str(path)
    return None, ""


def _link_recipe(root: Path) -> tuple[str, Location] | None:
    """The make variable the tree's link recipe (in ``scripts/``) links as a group of archives.

    Linux's ``scripts/Makefile.vmlinux_o`` links ``--whole-archive vmlinux.a
    --no-whole-archive --start-group $(KBUILD_VMLINUX_LIBS) --end-group``:
    whatever that variable holds is linked as archives, the rest in whole.
    A shell recipe's ``${libs}`` is followed to the ``libs="${VAR}"`` it is set from.
    """
    scripts = root / "scripts"
    if not scripts.is_dir():
        return None
    for file in sorted(scripts.iterdir()):
        if not file.is_file() or not (file.name.startswith("Makefile") or file.name.endswith(".sh")):
            continue
        try:
            text = file.read_text(encoding="utf-8", errors="replace")[:MAX_MAKEFILE_BYTES]
        except OSError:
            continue
        match = _GROUP.search(text)
        if match is None:
            continue
        name = match.group(1)
        if not name.isupper():
            alias = re.search(_SHELL_ALIAS.format(name=re.escape(name)), text)
            if alias is None:
                continue
            name = alias.group(1)
        line = text.count("\n", 0, match.start()) + 1
        return name, Location(file.relative_to(root).as_posix(), line)
    return None
