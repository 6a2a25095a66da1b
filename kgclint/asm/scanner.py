"""Scan GNU assembler text into section switches, placements, labels and symbol references.

One scanner serves ``.S`` files (after nothing: kgclint does not run cpp
here, it records the preprocessor lines instead) and inline-asm strings
that the C front-end hands over with their C location. It models what the
assembler does with the text, per architecture (``syntax``): where
comments start, where statements end, which section each directive
switches to. It does not assemble instructions.

The scan is linear in the size of the text: one regular expression cuts it
into tokens, and lines longer than ``MAX_LINE`` are skipped with a
diagnostic, so no input can make it hang.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from kgclint.asm.syntax import AsmSyntax, syntax_for
from kgclint.findings import Diagnostic
from kgclint.location import Location
from kgclint.placement import SectionPlacement

#: Longest physical line scanned; longer ones are reported and skipped (no kernel .S line comes close).
MAX_LINE = 64 * 1024
#: Diagnostics kept per text; the rest are counted in one last diagnostic.
MAX_DIAGNOSTICS = 20

#: Directives that change the current section. ``.popsection``/``.previous`` return to one.
SWITCH_DIRECTIVES = frozenset(
    {".section", ".pushsection", ".popsection", ".previous", ".text", ".data", ".bss", ".subsection"}
)

#: Directives that emit data whose operands may name symbols.
_DATA_DIRECTIVES = frozenset({
    ".long", ".quad", ".word", ".int", ".short", ".hword", ".byte", ".2byte", ".4byte", ".8byte",
    ".dword", ".xword", ".octa", ".value", ".dc.a", ".dc.l", ".dc.w", ".reloc", ".set", ".equ",
    ".equiv", ".eqv", ".rva", ".uleb128", ".sleb128", ".inst", ".insn",
})

#: Switch directives that leave the rest of their line to be read as another statement.
_NO_OPERANDS = frozenset({".previous", ".popsection"})

_ASM_IF = frozenset({
    ".if", ".ifdef", ".ifndef", ".ifb", ".ifnb", ".ifc", ".ifnc", ".ifeq", ".ifne", ".ifeqs",
    ".ifnes", ".ifge", ".ifgt", ".ifle", ".iflt", ".ifnotdef",
})
_CPP_IF = frozenset({"if", "ifdef", "ifndef"})
_CPP_ELSE = frozenset({"elif", "elifdef", "elifndef", "else"})
_CPP_DIRECTIVES = _CPP_IF | _CPP_ELSE | frozenset(
    {"endif", "define", "undef", "include", "include_next", "error", "warning", "pragma", "line", "ident"}
)

_SYMBOL = r"[A-Za-z_.$][\w.$]*"
_LABEL_RE = re.compile(rf"\s*({_SYMBOL}|\d+)\s*:(?!:)")
_HEAD_RE = re.compile(rf"\s*({_SYMBOL})")
_ASSIGN_RE = re.compile(r"\s*=(?!=)")
_IDENT_RE = re.compile(rf"(?<![\w.$%\\])({_SYMBOL})")
_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"?')
_CPP_LINE_RE = re.compile(r"[ \t]*#[ \t]*([A-Za-z_]\w*|\d+)")
_MACRO_USE_RE = re.compile(r"[A-Z_][A-Z0-9_]*$")


@dataclass(frozen=True, slots=True)
class SectionSwitch:
    """One directive that changes the assembler's current section.

    ``section`` is the section switched to: named for ``.section`` and
    friends, the one returned to for ``.popsection``/``.previous`` when the
    scan can tell, else None. ``flags`` is the flag string without quotes
    (None when not given), ``section_type`` the type as written
    (``@progbits``, ``%note``), ``linked_to`` the ``o`` flag's section,
    ``group`` the ``G`` flag's group. ``hidden`` is the text of a comment
    that follows the arguments on the same line (what the asm-comment hack
    hides). ``macro`` names the ``.macro`` whose body holds the directive;
    ``branch`` is the chain of conditional branches it sits in, as
    (conditional index into ``AsmScan.conditionals``, branch number).
    ``offset``/``end`` delimit the directive word in the scanned text.
    ``args`` is the operand text as the assembler reads it (comments cut);
    ``junk`` the part of it the assembler rejects ("junk at end of line"),
    such as the comma left dangling when a comment cuts a section type.
    """

    directive: str
    section: str | None
    flags: str | None
    section_type: str | None
    linked_to: str | None
    location: Location
    group: str | None = None
    hidden: str | None = None
    macro: str | None = None
    branch: tuple[tuple[int, int], ...] = ()
    offset: int = 0
    end: int = 0
    args: str = ""
    junk: str | None = None


@dataclass(frozen=True, slots=True)
class Conditional:
    """An ``#if``/``.if`` block: the text of each branch's opening line, and whether one is ``else``."""

    kind: str  # "cpp" or "asm"
    conditions: tuple[str, ...]
    has_else: bool
    location: Location


@dataclass(frozen=True, slots=True)
class MacroCall:
    """A statement that invokes an assembler ``.macro`` defined earlier in the same text."""

    name: str
    location: Location
    macro: str | None = None
    branch: tuple[tuple[int, int], ...] = ()
    offset: int = 0


@dataclass(frozen=True, slots=True)
class CppLine:
    """A C preprocessor line of a ``.S`` file (continuations joined): ``define``, ``include``, ``if``…"""

    directive: str
    text: str
    location: Location


@dataclass(frozen=True, slots=True)
class AsmScan:
    """What one piece of assembler text does to sections and symbols.

    ``macro_uses`` are statement heads that look like C macros (upper-case
    words such as ``__INIT``, ``SYM_FUNC_START``): without the tree's macro
    table the scanner cannot expand them, so it names them for whoever can.
    """

    placements: tuple[SectionPlacement, ...] = ()
    switches: tuple[SectionSwitch, ...] = ()
    labels: tuple[str, ...] = ()
    symbol_refs: frozenset[str] = frozenset()
    diagnostics: tuple[Diagnostic, ...] = ()
    conditionals: tuple[Conditional, ...] = ()
    macros: tuple[tuple[str, Location], ...] = ()
    macro_calls: tuple[MacroCall, ...] = ()
    cpp: tuple[CppLine, ...] = ()
    macro_uses: tuple[tuple[str, Location], ...] = ()
    arch: str | None = None


@dataclass(slots=True)
class _Statement:
    text: str
    line: int
    column: int
    offset: int
    comment: str | None


@lru_cache(maxsize=32)
def _token_re(syntax: AsmSyntax, cpp: bool) -> re.Pattern[str]:
    comments = list(syntax.comment)
    if cpp and "//" not in comments:
        comments.append("//")  # cpp strips C++ comments from .S files before as sees them
    specials = set('"\n/') | set(syntax.separator) | set(syntax.line_comment)
    specials |= {c[0] for c in comments}
    parts = [
        r"(?P<nl>\n)",
        r'(?P<str>"(?:[^"\\\n]|\\.)*"?)',
        r"(?P<block>/\*(?s:.*?)(?:\*/|\Z))",
    ]
    if comments:
        alternatives = "|".join(re.escape(c) for c in sorted(comments, key=len, reverse=True))
        parts.append(rf"(?P<com>(?:{alternatives})[^\n]*)")
    parts.append(f"(?P<sep>[{re.escape(syntax.separator)}])")
    parts.append(f"(?P<other>[^{re.escape(''.join(sorted(specials)))}]+|.)")
    return re.compile("|".join(parts))


class _Scanner:
    """One scan's mutable state; ``scan`` builds the frozen result from it."""

    def __init__(self, text: str, path: str, arch: str | None, first_line: int, origin: str,
                 line_map: Callable[[int], Location] | None, cpp: bool) -> None:
        self.text = text
        self.path = path
        self.arch = arch
        self.syntax = syntax_for(arch)
        self.first_line = first_line
        self.origin = origin
        self.line_map = line_map
        self.cpp_mode = cpp
        self.diagnostics: list[Diagnostic] = []
        self.switches: list[SectionSwitch] = []
        self.labels: list[str] = []
        self.refs: set[str] = set()
        self.cpp_lines: list[CppLine] = []
        self.conds: list[dict] = []
        self.cpp_stack: list[list[int]] = []   # [conditional index, branch number]
        self.asm_stack: list[list[int]] = []
        self.macro_stack: list[str] = []
        self.macros: dict[str, Location] = {}
        self.macro_calls: list[MacroCall] = []
        self.macro_uses: list[tuple[str, Location]] = []
        # placements: [section, symbol, location, flags, type, linked]
        self.open_placements: list[list] = []
        self.current: int | None = None  # index into open_placements of the section being filled
        self.cur_name: str | None = ".text" if origin == "asm" else None
        self.prev_name: str | None = None
        self.stack: list[tuple[str | None, str | None]] = []

    # -- locations -------------------------------------------------------------------------
    def loc(self, line: int, column: int) -> Location:
        if self.line_map is not None:
            return self.line_map(line)
        return Location(self.path, self.first_line + line - 1, column)

    def diag(self, line: int, column: int, message: str) -> None:
        self.diagnostics.append(Diagnostic(self.loc(line, column), message))

    def capped_diagnostics(self) -> tuple[Diagnostic, ...]:
        if len(self.diagnostics) <= MAX_DIAGNOSTICS:
            return tuple(self.diagnostics)
        kept = self.diagnostics[:MAX_DIAGNOSTICS]
        last = self.diagnostics[MAX_DIAGNOSTICS]
        more = len(self.diagnostics) - MAX_DIAGNOSTICS
        return tuple(kept) + (Diagnostic(last.location, f"{more} more problems like the above not shown"),)

    # -- lexing ----------------------------------------------------------------------------
    def blank_long_lines(self) -> str:
        text = self.text
        if len(text) <= MAX_LINE:
            return text
        pieces: list[str] = []
        last = 0
        for m in re.finditer(r"[^\n]{%d,}" % (MAX_LINE + 1), text):
            line = text.count("\n", 0, m.start()) + 1
            self.diag(line, 1, f"line is {m.end() - m.start()} characters long (limit {MAX_LINE}); skipped")
            pieces.append(text[last:m.start()])
            last = m.end()
        pieces.append(text[last:])
        return "".join(pieces)

    def take_cpp_lines(self, text: str) -> tuple[str, list[tuple[int, str, str]]]:
        """Blank the preprocessor lines of a ``.S`` file, keeping line numbers; return them in order.

        Backslash-continued assembler lines are joined onto their first line, as cpp joins them.
        """
        found: list[tuple[int, str, str]] = []
        lines = text.split("\n")
        i = 0
        while i < len(lines):
            m = _CPP_LINE_RE.match(lines[i])
            if not m or not (m.group(1) in _CPP_DIRECTIVES or m.group(1).isdigit()):
                start = i
                while lines[start].endswith("\\") and i + 1 < len(lines):
                    i += 1  # cpp joins backslash-continued lines: the statement stays on its first line
                    lines[start] = lines[start][:-1] + " " + lines[i]
                    lines[i] = ""
                i += 1
                continue
            start = i
            joined = lines[i]
            while joined.endswith("\\") and i + 1 < len(lines):
                i += 1
                joined = joined[:-1] + " " + lines[i]
            for j in range(start, i + 1):
                lines[j] = ""
            found.append((start + 1, m.group(1), joined.strip()))
            i += 1
        return "\n".join(lines), found

    def statements(self, text: str) -> list[_Statement]:
        """Cut ``text`` into statements as the assembler's scrubber does, dropping comments."""
        out: list[_Statement] = []
        syntax = self.syntax
        token = _token_re(syntax, self.cpp_mode)
        pieces: list[str] = []
        start = stmt_line = stmt_col = 0
        comment: str | None = None
        line, line_start, pos, n = 1, 0, 0, len(text)

        def flush() -> None:
            nonlocal pieces, comment
            if pieces or comment is not None:
                out.append(_Statement("".join(pieces), stmt_line, stmt_col, start, comment))
            pieces = []
            comment = None

        while pos < n:
            m = token.match(text, pos)
            assert m is not None  # the 'other' alternative matches any character
            kind, tok, pos = m.lastgroup, m.group(), m.end()
            if kind == "nl":
                flush()
                line += 1
                line_start = pos
            elif kind == "sep":
                flush()
            elif kind == "com" or (not pieces and kind == "other" and tok[0] in syntax.line_comment):
                # a comment, or a line-comment character at the start of a statement: to end of line
                eol = text.find("\n", m.start())
                eol = n if eol < 0 else eol
                comment = (comment or "") + text[m.start():eol]
                pos = eol
            elif kind == "block":
                if len(tok) < 4 or not tok.endswith("*/"):
                    self.diag(line, m.start() - line_start + 1, "unterminated /* comment")
                newlines = tok.count("\n")
                if newlines:
                    line += newlines
                    line_start = m.start() + tok.rfind("\n") + 1
                if pieces:
                    pieces.append(" ")
            elif not pieces and not tok.strip():
                continue
            else:
                if kind == "str" and (len(tok) < 2 or not _STRING_RE.fullmatch(tok) or not tok.endswith('"')):
                    self.diag(line, m.start() - line_start + 1, "unterminated string")
                if not pieces:
                    lead = len(tok) - len(tok.lstrip())
                    tok = tok[lead:]
                    start, stmt_line, stmt_col = m.start() + lead, line, m.start() + lead - line_start + 1
                pieces.append(tok)
        flush()
        return out

    # -- conditionals ----------------------------------------------------------------------
    def branch(self) -> tuple[tuple[int, int], ...]:
        if not self.cpp_stack and not self.asm_stack:
            return ()
        return tuple((c, b) for c, b in self.cpp_stack) + tuple((c, b) for c, b in self.asm_stack)

    def open_cond(self, kind: str, text: str, line: int, column: int) -> None:
        self.conds.append({"kind": kind, "conditions": [text], "has_else": False,
                           "location": self.loc(line, column)})
        entry = [len(self.conds) - 1, 0]
        (self.cpp_stack if kind == "cpp" else self.asm_stack).append(entry)

    def next_branch(self, kind: str, text: str, is_else: bool, line: int, column: int) -> None:
        stack = self.cpp_stack if kind == "cpp" else self.asm_stack
        if not stack:
            self.diag(line, column, f"{text.split()[0]} without an open conditional")
            return
        entry = stack[-1]
        cond = self.conds[entry[0]]
        cond["conditions"].append(text)
        cond["has_else"] = cond["has_else"] or is_else
        entry[1] += 1

    def close_cond(self, kind: str, text: str, line: int, column: int) -> None:
        stack = self.cpp_stack if kind == "cpp" else self.asm_stack
        if not stack:
            self.diag(line, column, f"{text.split()[0]} without an open conditional")
            return
        stack.pop()

    def cpp_line(self, directive: str, text: str, line: int) -> None:
        self.cpp_lines.append(CppLine(directive, text, self.loc(line, 1)))
        if directive in _CPP_IF:
            self.open_cond("cpp", text, line, 1)
        elif directive in _CPP_ELSE:
            self.next_branch("cpp", text, directive == "else", line, 1)
        elif directive == "endif":
            self.close_cond("cpp", text, line, 1)

    # -- statements ------------------------------------------------------------------------
    def statement(self, st: _Statement) -> None:
        """Read one statement, and the statements a no-operand directive leaves on its line."""
        follow: _Statement | None = st
        while follow is not None:
            follow = self.one_statement(follow)

    def one_statement(self, st: _Statement) -> _Statement | None:
        body = st.text
        pos = 0
        while True:
            m = _LABEL_RE.match(body, pos)
            if not m:
                break
            name = m.group(1)
            if not name[0].isdigit():
                self.define(name)
            pos = m.end()
        m = _HEAD_RE.match(body, pos)
        if not m:
            return None
        head = m.group(1)
        args = body[m.end():]
        offset = st.offset + m.start(1)
        lower = head.lower()
        if _ASSIGN_RE.match(args):
            self.define(head)
            self.add_refs(args)
            return None
        if lower.startswith("."):
            return self.directive(lower, args, st, offset, offset + len(head))
        if head in self.macros:
            self.macro_calls.append(MacroCall(head, self.loc(st.line, st.column), self.in_macro(),
                                              self.branch(), offset))
        elif _MACRO_USE_RE.match(head) or args.lstrip().startswith("("):
            self.macro_uses.append((head, self.loc(st.line, st.column)))
        self.add_refs(args)
        return None

    def in_macro(self) -> str | None:
        return self.macro_stack[-1] if self.macro_stack else None

    def define(self, name: str) -> None:
        self.labels.append(name)
        if self.current is not None and self.open_placements[self.current][1] is None and not self.macro_stack:
            self.open_placements[self.current][1] = name

    def add_refs(self, args: str) -> None:
        if '"' in args:
            args = _STRING_RE.sub(" ", args)
        names = _IDENT_RE.findall(args)
        self.refs.update(names)
        prefix = self.syntax.immediate
        if prefix:
            self.refs.update(name[len(prefix):] for name in names
                             if name.startswith(prefix) and len(name) > len(prefix))

    def directive(self, name: str, args: str, st: _Statement, offset: int, end: int) -> _Statement | None:
        """Handle one directive; return the statement that follows it on the line, if it leaves one."""
        line, column = st.line, st.column
        text = (name + args).strip()
        if name in _ASM_IF:
            self.open_cond("asm", text, line, column)
        elif name in (".else", ".elseif"):
            self.next_branch("asm", text, name == ".else", line, column)
        elif name == ".endif":
            self.close_cond("asm", text, line, column)
        elif name == ".macro":
            macro_name = re.split(r"[\s,]+", args.strip(), maxsplit=1)[0] if args.strip() else ""
            if macro_name:
                self.macros[macro_name] = self.loc(line, column)
            self.macro_stack.append(macro_name)
        elif name in (".endm", ".endmacro"):
            if self.macro_stack:
                self.macro_stack.pop()
            else:
                self.diag(line, column, ".endm without .macro")
        elif name in SWITCH_DIRECTIVES:
            if name in _NO_OPERANDS and args.strip():
                # these take no operands and do not demand the end of the statement: the
                # assembler reads what follows on the line as the next statement
                self.switch(name, "", st, offset, end)
                lead = len(args) - len(args.lstrip())
                rest_offset = end + lead
                return _Statement(args.lstrip(), st.line, st.column + rest_offset - st.offset, rest_offset, st.comment)
            self.switch(name, args, st, offset, end)
        elif name in _DATA_DIRECTIVES:
            if name in (".set", ".equ", ".equiv", ".eqv"):
                target, _, value = args.partition(",")
                if target.strip():
                    self.define(target.strip())
                self.add_refs(value)
            else:
                self.add_refs(args)

    def switch(self, name: str, args: str, st: _Statement, offset: int, end: int) -> None:
        section: str | None = None
        flags = stype = linked = group = junk = None
        if name in (".section", ".pushsection"):
            fields = split_args(args)
            if not fields or not fields[0]:
                self.diag(st.line, st.column, f"{name} without a section name")
                return
            section, junk_name = section_name(fields[0])
            rest = fields[1:]
            if name == ".pushsection" and rest and not rest[0].startswith('"'):
                rest = rest[1:]  # the optional subsection number
            flags, stype, linked, group, junk = self.section_args(rest)
            junk = junk_name or junk
        elif name in (".text", ".data", ".bss"):
            section = name
        location = self.loc(st.line, st.column)
        # the assembler's own bookkeeping, followed linearly (conditionals are the stack module's job)
        if name == ".pushsection":
            self.stack.append((self.cur_name, self.prev_name))
        if name == ".popsection":
            if self.stack:
                self.cur_name, self.prev_name = self.stack.pop()
            section = self.cur_name
        elif name == ".previous":
            self.cur_name, self.prev_name = self.prev_name, self.cur_name
            section = self.cur_name
        elif name == ".subsection":
            self.prev_name = self.cur_name
            section = self.cur_name
        else:
            self.prev_name, self.cur_name = self.cur_name, section
        hidden = st.comment if name in (".section", ".pushsection") else None
        self.switches.append(SectionSwitch(
            directive=name, section=section, flags=flags, section_type=stype, linked_to=linked,
            location=location, group=group, hidden=hidden, macro=self.in_macro(), branch=self.branch(),
            offset=offset, end=end, args=args.strip(), junk=junk,
        ))
        if name in (".section", ".pushsection", ".text", ".data", ".bss") and not self.macro_stack:
            self.open_placements.append([section, None, location, flags, stype, linked])
            self.current = len(self.open_placements) - 1
        else:
            self.current = None

    def section_args(self, rest: list[str]) -> tuple[str | None, str | None, str | None, str | None, str | None]:
        """Flags, type, linked-to section, group and rejected remainder of ``.section``'s operands."""
        flags = stype = linked = group = None
        if rest and rest[0].startswith('"'):
            flags = unquote(rest[0])
            rest = rest[1:]
        if rest and rest[0]:
            first = rest[0]
            if first.startswith("%%") and self.origin == "inline-asm":
                first = first[1:]  # '%%' is a literal '%' in an asm statement with operands
            if first[0] in self.syntax.type_prefixes or first.startswith('"'):
                stype = first
                rest = rest[1:]
        if flags:
            if "M" in flags and rest:
                rest = rest[1:]  # entity size
            if "o" in flags and rest:
                linked = rest[0]
                rest = rest[1:]
            if "G" in flags and rest:
                group = rest[0]
                rest = rest[1:]
                if rest and rest[0] == "comdat":
                    rest = rest[1:]
        if rest and stype is None and not rest[0] and len(rest) == 1:
            junk: str | None = ","  # a comma with nothing after it: a type cut off by a comment
        else:
            junk = ", ".join(rest) if rest else None
        return flags, stype, linked, group, junk

    # -- result ----------------------------------------------------------------------------
    def result(self) -> AsmScan:
        end_line = self.text.count("\n") + 1
        for kind, stack in (("#if", self.cpp_stack), (".if", self.asm_stack)):
            if stack:
                first = self.conds[stack[0][0]]["location"]
                self.diagnostics.append(Diagnostic(first, f"{kind} without end ({len(stack)} left open at end of text)"))
        for name in self.macro_stack:
            self.diag(end_line, 0, f".macro {name} without .endm")
        refs = frozenset(self.refs)
        placements = tuple(
            SectionPlacement(
                section=section, symbol=symbol, what="asm", location=location, flags=flags,
                section_type=stype, linked_to=linked, origin=self.origin,
                referenced_in_file=symbol is not None and symbol in refs,
            )
            for section, symbol, location, flags, stype, linked in self.open_placements
            if section is not None
        )
        return AsmScan(
            placements=placements,
            switches=tuple(self.switches),
            labels=tuple(dict.fromkeys(self.labels)),
            symbol_refs=refs,
            diagnostics=self.capped_diagnostics(),
            conditionals=tuple(
                Conditional(c["kind"], tuple(c["conditions"]), c["has_else"], c["location"]) for c in self.conds
            ),
            macros=tuple(self.macros.items()),
            macro_calls=tuple(self.macro_calls),
            cpp=tuple(self.cpp_lines),
            macro_uses=tuple(self.macro_uses),
            arch=self.arch,
        )


def split_args(args: str) -> list[str]:
    """Split directive operands at top-level commas (not inside quotes or parentheses), stripped."""
    fields: list[str] = []
    depth = 0
    current: list[str] = []
    i = 0
    n = len(args)
    while i < n:
        c = args[i]
        if c == '"':
            m = _STRING_RE.match(args, i)
            assert m is not None
            current.append(m.group())
            i = m.end()
            continue
        if c in "([":
            depth += 1
        elif c in ")]" and depth:
            depth -= 1
        elif c == "," and not depth:
            fields.append("".join(current).strip())
            current = []
            i += 1
            continue
        current.append(c)
        i += 1
    last = "".join(current).strip()
    if last or fields:
        fields.append(last)
    return fields


_NAME_SPACE = re.compile(r"\s+(?=[^\w.$\s])|(?<=[^\w.$\s])\s+")


def section_name(field: str) -> tuple[str, str | None]:
    """The section name of ``.section``'s first operand, and what the assembler rejects after it.

    A quoted name is taken whole. A bare one is read as the assembler's
    scrubber leaves it: white space next to a non-symbol character is
    dropped (so on ARM ``.hack #`` names ``.hack#``), and white space
    between two words ends the name with the rest as junk.
    """
    field = field.strip()
    if field.startswith('"'):
        return unquote(field), None
    collapsed = _NAME_SPACE.sub("", field)
    name, _, rest = collapsed.partition(" ")
    return name, (rest.strip() or None)


def unquote(text: str) -> str:
    """``"name"`` → ``name`` (with ``\\"`` and ``\\\\`` unescaped); other text unchanged."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


def scan(
    text: str,
    *,
    path: str,
    arch: str | None,
    first_line: int = 1,
    origin: str = "asm",
    line_map: Callable[[int], Location] | None = None,
    cpp: bool = False,
) -> AsmScan:
    """Scan assembler ``text`` as the assembler of ``arch`` would read it.

    ``text`` is what the assembler receives: for inline asm, the string's
    value (C escapes decoded, so ``\\n\\t`` are a newline and a tab).
    ``origin`` is ``asm`` for a file (which starts in ``.text``) or
    ``inline-asm`` for a statement (which starts in whatever section the
    compiler is in). Locations are ``path:first_line+n-1`` for line ``n``
    of the text, unless ``line_map`` maps line ``n`` to a Location itself.
    ``cpp=True`` (``.S`` files) records C preprocessor lines instead of
    reading them as assembler comments, and treats ``//`` as the comment
    cpp removes.
    """
    scanner = _Scanner(text, path, arch, first_line, origin, line_map, cpp)
    body = scanner.blank_long_lines()
    cpp_lines: list[tuple[int, str, str]] = []
    if cpp:
        body, cpp_lines = scanner.take_cpp_lines(body)
    pending = iter(cpp_lines)
    next_cpp = next(pending, None)
    for st in scanner.statements(body):
        while next_cpp is not None and next_cpp[0] < st.line:
            scanner.cpp_line(next_cpp[1], next_cpp[2], next_cpp[0])
            next_cpp = next(pending, None)
        scanner.statement(st)
    while next_cpp is not None:
        scanner.cpp_line(next_cpp[1], next_cpp[2], next_cpp[0])
        next_cpp = next(pending, None)
    return scanner.result()


__all__ = ["AsmScan", "CppLine", "Conditional", "MacroCall", "SectionSwitch", "scan", "split_args", "unquote"]
