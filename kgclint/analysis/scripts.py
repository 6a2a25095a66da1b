"""The linker scripts of a project, preprocessed like Kbuild and parsed: ``project.analysis(ScriptIndex)``.

For each script the linker-script front-end found (except those another
script ``#include``s, which are read as part of it): a ``.lds.S`` is run
through cpp (``kgclint.lds.cpp``) for its architecture with the project's
configuration (an ``O=`` build directory or a ``.config``; without one, the
*all-branches* mode), its line markers map every node to the file and line
a person edits, and ``origin`` names the macro a pattern came from. A plain
``.lds`` is parsed as it is, with ``INCLUDE`` resolved next to it.

All-branches mode flattens the script's own ``#if`` groups so the text of
every branch is parsed. When that makes a statement invalid (an
``#ifdef`` inside one expression, as in x86's GOT/PLT ASSERT), the groups
holding the syntax errors are evaluated instead (at most
``MAX_RETRIES`` times) and a note says so.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from kgclint.analysis.kbuild import KbuildModel
from kgclint.c.directives import Directives, scan_directives
from kgclint.findings import Diagnostic
from kgclint.inputs import InputKind
from kgclint.kbuild.link_rules import linked_stems, stem
from kgclint.lds import ast
from kgclint.lds.cpp import MODE_ALL, CppSetup, Preprocessed, Preprocessor, conditional_groups
from kgclint.lds.macros import MacroTable, Origin
from kgclint.lds.model import ScriptModel
from kgclint.lds.parser import parse
from kgclint.location import Location
from kgclint.project import Project

MAX_RETRIES = 4
_WORD = re.compile(r"[A-Za-z0-9_.$]+")
#: Comments of a script or of a header cpp reads for it: a section named only there is handled by no branch.
_COMMENT = re.compile(r"/\*.*?(?:\*/|\Z)|//[^\n]*", re.S)
MODE_PLAIN = "plain"


@dataclass
class ScriptInfo:
    """One script: its model under the project's linker, how it was read, and what went wrong."""

    path: str
    model: ScriptModel
    mode: str
    arch: str | None
    diagnostics: tuple[Diagnostic, ...]
    notes: tuple[str, ...] = ()
    preprocessed: Preprocessed | None = None
    _macros: MacroTable | None = field(default=None, repr=False)
    _words: frozenset[str] | None = field(default=None, repr=False)


def mode_note(info: ScriptInfo) -> str:
    """What a finding's message adds about how the script was read ("" for a configured or plain one)."""
    if info.mode == MODE_ALL:
        return " [all-branches mode: no configuration given, every #if branch of the script considered]"
    return ""


class ScriptIndex:
    """Every linker script of the project as a ScriptModel, with origins of its nodes."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._preprocessors: dict[str, Preprocessor] = {}
        self._scratch: tempfile.TemporaryDirectory | None = None
        all_facts = list(project.facts(InputKind.LINKER_SCRIPT))
        included = _included_scripts(all_facts)
        infos = [self._load(facts) for facts in all_facts if facts.path not in included]
        self.scripts: tuple[ScriptInfo, ...] = tuple(sorted(infos, key=lambda i: i.path))
        self._nearest_by_folder: dict[str, tuple[ScriptInfo, ...]] = {}
        self._image_scripts: dict[str | None, tuple[ScriptInfo, ...]] = {}
        self._kbuild_model: KbuildModel | None = None
        self._rule_linked: dict[str, frozenset[str] | None] = {}
        self._branches: dict[str, Directives | None] = {}

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """Syntax errors found after preprocessing (a plain script's are its front-end's)."""
        return tuple(d for info in self.scripts if info.preprocessed is not None for d in info.diagnostics)

    # ------------------------------------------------------------- loading
    def _preprocessor(self, arch: str) -> Preprocessor:
        if arch not in self._preprocessors:
            options = self.project.options
            self._preprocessors[arch] = Preprocessor(
                CppSetup(self.project.root, arch, options.build_dir, options.config, self._work_dir())
            )
        return self._preprocessors[arch]

    def _work_dir(self) -> Path:
        """Where cpp's generated headers and cached results go: the cache, or a folder removed at exit."""
        cache_dir = self.project.options.cache_dir
        if cache_dir is not None:
            return Path(cache_dir) / "lds"
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="kgclint-lds-")
        return Path(self._scratch.name)

    def _load(self, facts) -> ScriptInfo:
        linker = self.project.options.linker
        arch = self.project.arch_of(facts.path)
        if not getattr(facts, "needs_cpp", False):
            result = parse(facts.text, facts.path, resolver=self._resolver)
            return ScriptInfo(facts.path, ScriptModel(result.script, linker), MODE_PLAIN, arch,
                              tuple(result.diagnostics))
        pre = self._preprocessor(arch or "none")
        pp = pre.preprocess(facts.path)
        notes = list(pp.notes)
        if pp.error is not None:
            diag = Diagnostic(Location(facts.path, 1), f"cannot preprocess: {pp.error}")
            result = parse(pp.text, facts.path, pp.linemap) if pp.text else None
            script = result.script if result else ast.Script(facts.path)
            return ScriptInfo(facts.path, ScriptModel(script, linker), pp.mode, arch, (diag,), tuple(notes), pp)
        result = self._parse(pp, facts.path)
        if pp.mode == MODE_ALL and result.diagnostics:
            groups = conditional_groups(facts.text)
            keep: frozenset[int] = frozenset()
            for _ in range(MAX_RETRIES):
                lines = {d.location.line for d in result.diagnostics if d.location.path == facts.path}
                # the innermost group around each error is enough; outer ones stay flattened
                inner = {
                    min((g for g in groups if g[0] <= n <= g[1]), key=lambda g: g[1] - g[0])[0]
                    for n in lines if any(g[0] <= n <= g[1] for g in groups)
                }
                wanted = keep | inner
                if wanted == keep:
                    break
                keep = frozenset(wanted)
                pp = pre.preprocess(facts.path, keep)
                result = self._parse(pp, facts.path)
                if not result.diagnostics:
                    break
            if keep:
                notes.append(
                    "all-branches: evaluated (not flattened) the #if groups at line(s) "
                    + ", ".join(str(n) for n in sorted(keep))
                    + " because their branches do not form valid script text together"
                )
        return ScriptInfo(facts.path, ScriptModel(result.script, linker), pp.mode, arch,
                          tuple(result.diagnostics), tuple(notes), pp)

    @staticmethod
    def _parse(pp: Preprocessed, path: str):
        """Parse preprocessed text; a fragment under an include/ directory is SECTIONS content."""
        if "/include/" in f"/{path}":
            # e.g. arch/um/include/asm/common.lds.S, #included into SECTIONS of the real scripts
            return parse("SECTIONS {" + pp.text + "\n}", path, pp.linemap)
        return parse(pp.text, path, pp.linemap)

    def _resolver(self, name: str, including: str):
        """INCLUDE for a plain script: next to the including file, then from the tree root."""
        base = PurePosixPath(including).parent
        for candidate in (base / name, PurePosixPath(name)):
            path = self.project.root / candidate
            if path.is_file():
                rel = candidate.as_posix()
                text = path.read_bytes().decode("utf-8", "replace")
                return text, rel, lambda line, col, rel=rel: Location(rel, line, col)
        return None

    # ------------------------------------------------------------ queries
    def origin(self, info: ScriptInfo, node: ast.InputSection) -> Origin:
        """Where the text of ``node`` is written: the script line, or the macro body line it came from."""
        first = node.sections[0].pattern if node.sections else node.file
        if info.preprocessed is None:
            return Origin(node.location, node.location, span=(info.path, node.offset, node.end)
                          if _plain_span_ok(self.project.root / info.path, node) else None)
        if info._macros is None:
            info._macros = MacroTable(self._read, info.preprocessed.files)
        return info._macros.origin(node.text, node.location, first)

    def _read(self, path: str) -> str | None:
        if path.startswith("<"):
            return None
        try:
            return (self.project.root / path).read_bytes().decode("utf-8", "replace")
        except OSError:
            return None

    def mentions(self, info: ScriptInfo, name: str) -> bool:
        """Whether the script's text or a header it includes names ``name`` in any ``#if`` branch (comments aside).

        A section a disabled option's sources would produce (error-injection
        lists without CONFIG_FUNCTION_ERROR_INJECTION) is handled by the
        script under that option; the C facts do not say which branch a
        placement sits in, so this keeps such a section from being an orphan.
        """
        if info._words is None:
            words: set[str] = set()
            files = {info.path, *(info.preprocessed.files if info.preprocessed else ())}
            for path in files:
                text = self._read(path)
                if text is not None:
                    words.update(_WORD.findall(_COMMENT.sub(" ", text)))
            info._words = frozenset(words)
        return name in info._words

    def is_image(self, info: ScriptInfo) -> bool:
        """Whether a script links the kernel image (not a vDSO, a boot wrapper or a user-space program)."""
        return info in self._images(info.arch) or info in self._images(None)

    def module_only(self, location: Location) -> bool:
        """Whether a line is compiled into modules alone: it sits in an ``#ifdef`` (``#if defined``) branch
        of a macro Kbuild defines for module objects only (``KbuildModel.module_only_macros``).

        powerpc's ``asm/module.h`` makes ``.stubs`` under ``#ifdef MODULE``:
        the image never has that section, so its script need not take it.
        Files are read on demand: only a candidate finding asks.
        """
        macros = self._kbuild().module_only_macros()
        if not macros:
            return False
        path = location.path
        if path not in self._branches:
            try:
                data = self.project.read_bytes(path)
            except OSError:
                data = b""
            self._branches[path] = (scan_directives(data, path)
                                    if any(name.encode() in data for name in macros) else None)
        directives = self._branches[path]
        if directives is None:
            return False
        held = directives.conditions_at(location.line)
        return any(f"+{name}" in held for name in macros)

    def scripts_for(self, path: str, arch: str | None = None) -> tuple[ScriptInfo, ...]:
        """The scripts that link a source file (built for ``arch`` when the path names none).

        The script in the nearest directory above the file (``arch/x86/boot/
        compressed/vmlinux.lds.S`` links that directory's objects), unless
        Kbuild compiles the file into a built-in object: then, as for a file
        with no script above it, the kernel image's own scripts for the
        file's arch (``vmlinux.lds*`` scripts under ``arch/<arch>/kernel``, or
        every script whose name starts with ``vmlinux``). A source file Kbuild
        never reaches (``tools/``), nor any file of the build includes, is
        linked by none (``KbuildModel.outside_build``); a project with one
        script uses it for all.
        """
        if len(self.scripts) == 1:
            return self.scripts
        kbuild = self._kbuild()
        if not kbuild.objects_of(path):
            nearest = self._nearest(path)
            outside = kbuild.outside_build(path)
            if nearest and outside:
                nearest = tuple(info for info in nearest if self._rule_links(info, path))
            if nearest:
                return nearest
            if outside:
                return ()
        return self._images(arch or self.project.arch_of(path))

    def _rule_links(self, info: ScriptInfo, path: str) -> bool:
        """Whether a make rule links a file outside the build with a script beside it (``kgclint.kbuild.link_rules``).

        Unknown (no rule passes the script) counts as linked; a header is
        linked when a source the rule links includes it.
        """
        if info.path not in self._rule_linked:
            stems = linked_stems(info.path, self._kbuild().load)
            self._rule_linked[info.path] = None if stems is None else self._with_includes(stems)
        linked = self._rule_linked[info.path]
        return linked is None or stem(path) in linked or path in linked

    def _with_includes(self, stems: frozenset[str]) -> frozenset[str]:
        """Linked stems and the files their sources include in unreached folders, in turn."""
        return stems | self._kbuild().included().closure(f"{s}{suffix}" for s in stems for suffix in (".c", ".S"))

    def _kbuild(self) -> KbuildModel:
        if self._kbuild_model is None:
            self._kbuild_model = self.project.analysis(KbuildModel)
        return self._kbuild_model

    def _nearest(self, path: str) -> tuple[ScriptInfo, ...]:
        """The scripts in the deepest directory above ``path`` (not an arch's image script folder).

        The answer depends on the folder alone: a whole tree asks once per
        placed section and script, about a few thousand folders.
        """
        folder = path.rpartition("/")[0]
        if folder in self._nearest_by_folder:
            return self._nearest_by_folder[folder]
        source_dir = PurePosixPath(path).parent
        best: list[ScriptInfo] = []
        best_depth = -1
        for info in self.scripts:
            script_dir = PurePosixPath(info.path).parent
            if script_dir == source_dir or script_dir in source_dir.parents:
                depth = len(script_dir.parts)
                if script_dir.name == "kernel" and "arch" in script_dir.parts:
                    continue  # arch/<a>/kernel/ holds the image's script, not a sub-image's
                if depth > best_depth:
                    best, best_depth = [info], depth
                elif depth == best_depth:
                    best.append(info)
        found = self._nearest_by_folder[folder] = tuple(best)
        return found

    def _images(self, arch: str | None) -> tuple[ScriptInfo, ...]:
        """The kernel image's scripts for ``arch`` (every arch's when None)."""
        found = self._image_scripts.get(arch)
        if found is None:
            images = [i for i in self.scripts if PurePosixPath(i.path).name.startswith("vmlinux")
                      and "/boot/" not in i.path and (arch is None or i.arch in (arch, None))]
            kernel = [i for i in images if "/kernel/" in i.path]
            found = self._image_scripts[arch] = tuple(kernel or images)
        return found


def _included_scripts(all_facts) -> set[str]:
    """Scripts another script #includes (arm's and riscv's vmlinux-xip.lds.S): read as part of it, not alone."""
    paths = {facts.path for facts in all_facts}
    included: set[str] = set()
    for facts in all_facts:
        base = PurePosixPath(facts.path).parent
        for name in getattr(facts, "includes", ()):
            candidate = (base / name).as_posix()
            if candidate in paths and candidate != facts.path:
                included.add(candidate)
    return included


def _plain_span_ok(path: Path, node: ast.InputSection) -> bool:
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return data[node.offset:node.end].decode("utf-8", "replace") == node.text
