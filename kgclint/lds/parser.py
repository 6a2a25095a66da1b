"""A parser for the GNU ld script language (ld manual, "Linker Scripts").

Hand-written, with ld's context-dependent lexing (see ``lexer``). Lists of
statements are parsed by loops, never by recursion, so a 50,000-line script
costs no stack; only expressions and SORT wrappers nest, and their depth is
bounded (``MAX_DEPTH``), so a hostile script gets a diagnostic, not a
RecursionError.

A syntax error becomes a ``Diagnostic`` at the file and line a person edits,
saying what was expected; the parser then skips to the end of the statement
(``;`` or the closing ``}``) and goes on, so one bad line does not hide the
rest of the script. ``INCLUDE`` is spliced into the token stream through a
resolver, with loops and runaway nesting reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kgclint.findings import Diagnostic
from kgclint.lds import ast
from kgclint.lds.lexer import LexError, Mode, Scanner, Token, parse_number
from kgclint.location import Location

#: How deeply expressions and SORT wrappers may nest before the parser gives up on a statement.
MAX_DEPTH = 100
#: How deeply INCLUDE may nest.
MAX_INCLUDE_DEPTH = 16
#: Diagnostics kept per script; a binary file would otherwise produce one per token.
MAX_DIAGNOSTICS = 50

Locate = Callable[[int, int], Location]
#: ``resolver(name, including_path)`` → (text, path, locate) of an INCLUDEd file, or None.
Resolver = Callable[[str, str], "tuple[str, str, Locate] | None"]

ASSIGN_OPS = frozenset({"=", "+=", "-=", "*=", "/=", "<<=", ">>=", "&=", "|=", "^="})
PROVIDES = frozenset({"PROVIDE", "PROVIDE_HIDDEN", "HIDDEN"})
DATA_KINDS = frozenset({"BYTE", "SHORT", "LONG", "QUAD", "SQUAD", "FILL"})
SORTS = frozenset({
    "SORT", "SORT_BY_NAME", "SORT_BY_ALIGNMENT", "SORT_BY_INIT_PRIORITY", "SORT_NONE", "REVERSE",
})
SECTION_TYPES = frozenset({"NOLOAD", "DSECT", "COPY", "INFO", "OVERLAY", "READONLY", "TYPE"})
ARG_COMMANDS = frozenset({
    "ENTRY", "OUTPUT_ARCH", "OUTPUT_FORMAT", "TARGET", "SEARCH_DIR", "STARTUP", "OUTPUT", "INPUT",
    "GROUP", "EXTERN", "NOCROSSREFS", "NOCROSSREFS_TO", "REGION_ALIAS", "LD_FEATURE", "MAP",
    "AS_NEEDED",
})
KEYWORDS = frozenset({
    "FORCE_COMMON_ALLOCATION", "INHIBIT_COMMON_ALLOCATION", "FORCE_GROUP_ALLOCATION",
    "CREATE_OBJECT_SYMBOLS", "CONSTRUCTORS",
})
#: Builtins whose argument is a section or region name, read with script-context lexing.
NAME_ARG_FUNCTIONS = frozenset({"ADDR", "LOADADDR", "SIZEOF", "ALIGNOF", "ORIGIN", "LENGTH", "DEFINED"})
BINARY_PRECEDENCE = {
    "||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6,
    "<": 7, ">": 7, "<=": 7, ">=": 7, "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10,
}


class ParseError(Exception):
    """A syntax error at a location; the parser records it and recovers."""

    def __init__(self, message: str, location: Location) -> None:
        super().__init__(message)
        self.message = message
        self.location = location


@dataclass
class _Frame:
    """One file being read: the main script or an INCLUDEd one."""

    scanner: Scanner
    path: str
    locate: Locate
    pos: int = 0


@dataclass
class ParseResult:
    """The script and what went wrong on the way."""

    script: ast.Script
    diagnostics: list[Diagnostic] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)


def parse(
    text: str,
    path: str,
    locate: Locate | None = None,
    resolver: Resolver | None = None,
) -> ParseResult:
    """Parse a whole script; never raises on bad input."""
    return _Parser(text, path, locate, resolver).run()


class _Parser:
    def __init__(self, text: str, path: str, locate: Locate | None, resolver: Resolver | None) -> None:
        self.path = path
        self.frames = [_Frame(Scanner(text), path, locate or (lambda line, col: Location(path, line, col)))]
        self.resolver = resolver
        self.diagnostics: list[Diagnostic] = []
        self.includes: list[str] = []
        self.depth = 0
        self._memo: tuple[int, int, Mode, Token] | None = None

    # ------------------------------------------------------------ token stream
    @property
    def frame(self) -> _Frame:
        return self.frames[-1]

    def peek(self, mode: Mode) -> Token:
        while True:
            frame = self.frame
            memo = self._memo
            if memo and memo[0] == id(frame) and memo[1] == frame.pos and memo[2] is mode:
                return memo[3]
            try:
                tok = frame.scanner.token(frame.pos, mode)
            except LexError as exc:
                raise ParseError(str(exc), self._locate_offset(exc.offset)) from None
            if tok.kind == "eof" and len(self.frames) > 1:
                self.frames.pop()
                continue
            self._memo = (id(frame), frame.pos, mode, tok)
            return tok

    def next(self, mode: Mode) -> Token:
        tok = self.peek(mode)
        self.frame.pos = tok.end
        return tok

    def peek2(self, mode: Mode, second: Mode) -> tuple[Token, Token]:
        """The next two tokens, the second read in ``second`` mode, without consuming."""
        first = self.peek(mode)
        frame = self.frame
        try:
            after = frame.scanner.token(first.end, second)
        except LexError:
            after = Token("eof", "", first.end, first.end)
        return first, after

    def at(self, text: str, mode: Mode = Mode.SCRIPT) -> bool:
        tok = self.peek(mode)
        return tok.kind in ("punct", "name") and tok.text == text

    def accept(self, text: str, mode: Mode = Mode.SCRIPT) -> bool:
        if self.at(text, mode):
            self.next(mode)
            return True
        return False

    def expect(self, text: str, what: str, mode: Mode = Mode.SCRIPT) -> Token:
        tok = self.peek(mode)
        if tok.text != text or tok.kind not in ("punct", "name"):
            raise ParseError(f"expected {what}, found {self.describe(tok)}", self.loc(tok))
        return self.next(mode)

    def expect_name(self, what: str, mode: Mode = Mode.SCRIPT) -> Token:
        tok = self.peek(mode)
        if tok.kind not in ("name", "string"):
            raise ParseError(f"expected {what}, found {self.describe(tok)}", self.loc(tok))
        return self.next(mode)

    @staticmethod
    def describe(tok: Token) -> str:
        if tok.kind == "eof":
            return "end of file"
        if tok.kind == "string":
            return f'"{tok.text}"'
        return f"'{tok.text}'"

    def loc(self, tok: Token) -> Location:
        return self._locate_offset(tok.start)

    def _locate_offset(self, offset: int) -> Location:
        frame = self.frame
        line, col = frame.scanner.line_col(offset)
        return frame.locate(line, col)

    def error(self, message: str, location: Location) -> None:
        if len(self.diagnostics) < MAX_DIAGNOSTICS:
            self.diagnostics.append(Diagnostic(location, message))
        elif len(self.diagnostics) == MAX_DIAGNOSTICS:
            self.diagnostics.append(Diagnostic(location, "too many syntax errors; later ones not reported"))

    def recover(self) -> None:
        """Skip to just after the next ``;`` or to the ``}`` closing the current block."""
        depth = 0
        while True:
            frame = self.frame
            try:
                tok = self.peek(Mode.WILD)
            except ParseError as exc:
                # nothing after an unterminated comment or string can be read: go to its end
                # at once rather than rescanning the rest of the text from every next character
                unterminated = exc.message.startswith("unterminated")
                frame.pos = len(frame.scanner.text) if unterminated else frame.pos + 1
                continue
            if tok.kind == "eof":
                return
            if tok.kind == "punct":
                if tok.text in "({":
                    depth += 1
                elif tok.text in ")}":
                    if depth == 0:
                        if tok.text == ")":
                            self.next(Mode.WILD)
                            continue
                        return
                    depth -= 1
                    if depth == 0 and tok.text == "}":
                        self.next(Mode.WILD)
                        return
                elif tok.text == ";" and depth == 0:
                    self.next(Mode.WILD)
                    return
            self.next(Mode.WILD)

    def sort_wrappers(self) -> list[str]:
        """The ``SORT*(`` openers at the current position (consumed), outermost first."""
        sort: list[str] = []
        while True:
            first, second = self.peek2(Mode.WILD, Mode.WILD)
            if not (first.text in SORTS and second.text == "("):
                return sort
            self.next(Mode.WILD)
            self.next(Mode.WILD)
            sort.append(first.text)
            if len(sort) > MAX_DEPTH:
                raise ParseError("SORT wrappers nested too deeply", self.loc(first))

    def raw_parens(self) -> str:
        """The text inside a balanced ``( ... )`` at the current position (consumed)."""
        return self._raw_balanced("(", ")")

    def raw_braces(self) -> str:
        """The text inside a balanced ``{ ... }`` (consumed); for VERSION, which kgclint does not model."""
        return self._raw_balanced("{", "}")

    def _raw_balanced(self, opener: str, closer: str) -> str:
        """The raw text up to the ``closer`` that balances the ``opener`` here, skipping strings and comments."""
        open_tok = self.expect(opener, f"'{opener}'")
        frame = self.frame
        text = frame.scanner.text
        depth, pos = 1, open_tok.end
        while pos < len(text):
            ch = text[pos]
            if ch == '"':
                close = text.find('"', pos + 1)
                pos = len(text) if close < 0 else close + 1
                continue
            if text.startswith("/*", pos):
                close = text.find("*/", pos + 2)
                pos = len(text) if close < 0 else close + 2
                continue
            if ch == opener:
                depth += 1
            elif ch == closer:
                depth -= 1
                if depth == 0:
                    frame.pos = pos + 1
                    return text[open_tok.end:pos]
            pos += 1
        frame.pos = len(text)  # consumed to the end: recovery must not rescan it for every later command
        raise ParseError(f"expected '{closer}' before end of file", self.loc(open_tok))

    # --------------------------------------------------------------- the script
    def run(self) -> ParseResult:
        commands: list[ast.TopCommand] = []
        while True:
            try:
                tok = self.peek(Mode.SCRIPT)
                if tok.kind == "eof":
                    break
                command = self.top_command()
                if command is not None:
                    commands.append(command)
            except ParseError as exc:
                self.error(exc.message, exc.location)
                self.recover()
                if self.at_stray_close():
                    self.next(Mode.WILD)
        return ParseResult(ast.Script(self.path, tuple(commands)), self.diagnostics, self.includes)

    def at_stray_close(self) -> bool:
        try:
            return self.at("}", Mode.WILD)
        except ParseError:
            return False

    def assignment_ahead(self) -> bool:
        try:
            first, second = self.peek2(Mode.EXPR, Mode.EXPR)
        except ParseError:
            return False
        return first.kind == "name" and second.kind == "punct" and second.text in ASSIGN_OPS

    def top_command(self) -> ast.TopCommand | None:
        if self.accept(";"):
            return None
        if self.assignment_ahead():
            return self.assignment()
        tok = self.peek(Mode.SCRIPT)
        if tok.kind != "name":
            raise ParseError(f"expected a command, found {self.describe(tok)}", self.loc(tok))
        word = tok.text
        if word == "SECTIONS":
            return self.sections()
        if word == "MEMORY":
            return self.memory()
        if word == "PHDRS":
            return self.phdrs()
        common = self.common_statement(word)
        if common is not False:
            return common  # type: ignore[return-value]
        if word in ARG_COMMANDS:
            return self.arg_command()
        if word == "VERSION":
            self.next(Mode.SCRIPT)
            return ast.Command("VERSION", (self.raw_braces(),), self.loc(tok))
        if word == "INSERT":
            self.next(Mode.SCRIPT)
            where = self.expect_name("AFTER or BEFORE")
            if where.text not in ("AFTER", "BEFORE"):
                raise ParseError(f"expected AFTER or BEFORE after INSERT, found {self.describe(where)}", self.loc(where))
            target = self.expect_name("an output section name after INSERT " + where.text)
            return ast.Command("INSERT", (where.text, target.text), self.loc(tok))
        if word in KEYWORDS:
            self.next(Mode.SCRIPT)
            return ast.Keyword(word, self.loc(tok))
        self.next(Mode.SCRIPT)
        self.error(
            f"unknown command '{word}' (expected SECTIONS, MEMORY, PHDRS, ENTRY, an assignment or another ld command)",
            self.loc(tok),
        )
        # skip just its argument list or block, so the commands after it still count
        if self.at("(", Mode.SCRIPT):
            self.raw_parens()
        elif self.at("{", Mode.SCRIPT):
            self.raw_braces()
        self.accept(";")
        return None

    def common_statement(self, word: str) -> object:
        """Statements allowed anywhere: ASSERT, PROVIDE*, HIDDEN, INCLUDE, ENTRY. False when ``word`` is none."""
        if word == "ASSERT":
            return self.assert_statement()
        if word in PROVIDES:
            return self.provide()
        if word == "INCLUDE":
            self.include()
            return None
        if word == "ENTRY":
            return self.arg_command()
        return False

    def arg_command(self) -> ast.Command:
        tok = self.next(Mode.SCRIPT)
        raw = self.raw_parens()
        args = tuple(
            part.strip().strip('"')
            for part in raw.replace("(", " ").replace(")", " ").replace(",", " ").split()
            if part.strip().strip('"')
        )
        if tok.text == "ENTRY" and len(args) != 1:
            raise ParseError("expected one symbol name in ENTRY(...)", self.loc(tok))
        return ast.Command(tok.text, args, self.loc(tok))

    def include(self) -> None:
        tok = self.next(Mode.SCRIPT)
        name_tok = self.expect_name("a file name after INCLUDE")
        name = name_tok.text
        here = self.loc(tok)
        stack = [f.path for f in self.frames]
        if self.resolver is None:
            self.error(f"INCLUDE {name}: included scripts are not read here", here)
            return
        if len(self.frames) > MAX_INCLUDE_DEPTH:
            self.error(f"INCLUDE {name}: nested more than {MAX_INCLUDE_DEPTH} deep", here)
            return
        found = self.resolver(name, self.frame.path)
        if found is None:
            self.error(f"INCLUDE {name}: cannot find the file", here)
            return
        text, path, locate = found
        if path in stack:
            chain = " -> ".join([*stack[stack.index(path):], path])
            self.error(f"INCLUDE loop: {chain}", here)
            return
        self.includes.append(path)
        self.frames.append(_Frame(Scanner(text), path, locate))

    # ----------------------------------------------------------------- blocks
    def sections(self) -> ast.Sections:
        start = self.next(Mode.SCRIPT)
        self.expect("{", "'{' after SECTIONS")
        commands: list[ast.SectionsCommand] = []
        while True:
            try:
                tok = self.peek(Mode.SCRIPT)
                if tok.kind == "eof":
                    raise ParseError("expected '}' to close SECTIONS, found end of file", self.loc(tok))
                if tok.text == "}" and tok.kind == "punct":
                    self.next(Mode.SCRIPT)
                    break
                command = self.sections_command()
                if command is not None:
                    commands.append(command)
            except ParseError as exc:
                self.error(exc.message, exc.location)
                if self.peek_eof():
                    break
                self.recover()
        return ast.Sections(tuple(commands), self.loc(start))

    def peek_eof(self) -> bool:
        try:
            return self.peek(Mode.WILD).kind == "eof"
        except ParseError:
            return False

    def sections_command(self) -> ast.SectionsCommand | None:
        if self.accept(";"):
            return None
        if self.assignment_ahead():
            return self.assignment()
        tok = self.peek(Mode.SCRIPT)
        if tok.kind != "name":
            raise ParseError(
                f"expected an output section, an assignment or '}}', found {self.describe(tok)}", self.loc(tok)
            )
        common = self.common_statement(tok.text)
        if common is not False:
            return common  # type: ignore[return-value]
        if tok.text == "OVERLAY":
            return self.overlay()
        if tok.text in KEYWORDS:
            self.next(Mode.SCRIPT)
            return ast.Keyword(tok.text, self.loc(tok))
        return self.output_section()

    def section_type(self) -> str:
        raw = self.raw_parens()
        return " ".join(raw.split())

    def type_ahead(self) -> bool:
        first, second = self.peek2(Mode.EXPR, Mode.SCRIPT)
        return first.text == "(" and first.kind == "punct" and second.text in SECTION_TYPES

    def output_section(self, in_overlay: bool = False) -> ast.OutputSection:
        name_tok = self.next(Mode.SCRIPT)
        location = self.loc(name_tok)
        address: ast.Expr | None = None
        section_type = ""
        lma = align = subalign = None
        constraint = ""
        if not in_overlay:
            if not self.at(":", Mode.EXPR):
                if self.type_ahead():
                    section_type = self.section_type()
                else:
                    address = self.expr()
                    if self.type_ahead():
                        section_type = self.section_type()
            self.expect(":", f"':' after output section name '{name_tok.text}'", Mode.EXPR)
            while True:
                tok = self.peek(Mode.SCRIPT)
                if tok.text == "AT" and tok.kind == "name":
                    self.next(Mode.SCRIPT)
                    lma = self.paren_expr()
                elif tok.text == "ALIGN":
                    self.next(Mode.SCRIPT)
                    align = self.paren_expr()
                elif tok.text == "SUBALIGN":
                    self.next(Mode.SCRIPT)
                    subalign = self.paren_expr()
                elif tok.text in ("ALIGN_WITH_INPUT", "ONLY_IF_RO", "ONLY_IF_RW", "SPECIAL"):
                    self.next(Mode.SCRIPT)
                    constraint = tok.text if tok.text != "ALIGN_WITH_INPUT" else constraint
                else:
                    break
        self.expect("{", f"'{{' to open output section '{name_tok.text}'")
        commands = self.output_commands()
        region, lma_region, phdrs, fill = self.section_trailer()
        return ast.OutputSection(
            name=name_tok.text, commands=commands, location=location, address=address, type=section_type,
            lma=lma, align=align, subalign=subalign, constraint=constraint, region=region,
            lma_region=lma_region, phdrs=phdrs, fill=fill, in_overlay=in_overlay,
        )

    def section_trailer(self) -> tuple[str, str, tuple[str, ...], ast.Expr | None]:
        region = lma_region = ""
        phdrs: list[str] = []
        fill = None
        while True:
            first, second = self.peek2(Mode.SCRIPT, Mode.SCRIPT)
            if first.text == ">" and first.kind == "punct":
                self.next(Mode.SCRIPT)
                region = self.expect_name("a memory region after '>'").text
            elif first.text == "AT" and second.text == ">":
                self.next(Mode.SCRIPT)
                self.next(Mode.SCRIPT)
                lma_region = self.expect_name("a memory region after 'AT>'").text
            elif first.text == ":" and first.kind == "punct":
                self.next(Mode.SCRIPT)
                phdrs.append(self.expect_name("a program header name after ':'").text)
            elif first.text == "=" and first.kind == "punct":
                self.next(Mode.SCRIPT)
                fill = self.expr()
            else:
                break
        self.accept(",")
        return region, lma_region, tuple(phdrs), fill

    def overlay(self) -> ast.Overlay:
        tok = self.next(Mode.SCRIPT)
        start = None
        if not self.at(":", Mode.EXPR):
            start = self.expr()
        self.expect(":", "':' after OVERLAY", Mode.EXPR)
        nocrossrefs = False
        lma = None
        while True:
            word = self.peek(Mode.SCRIPT)
            if word.text == "NOCROSSREFS":
                self.next(Mode.SCRIPT)
                nocrossrefs = True
            elif word.text == "AT":
                self.next(Mode.SCRIPT)
                lma = self.paren_expr()
            elif word.text == "SUBALIGN":
                self.next(Mode.SCRIPT)
                self.paren_expr()
            else:
                break
        self.expect("{", "'{' to open OVERLAY")
        sections: list[ast.OutputSection] = []
        while True:
            inner = self.peek(Mode.SCRIPT)
            if inner.text == "}" and inner.kind == "punct":
                self.next(Mode.SCRIPT)
                break
            if inner.kind != "name":
                raise ParseError(f"expected an overlay section name or '}}', found {self.describe(inner)}", self.loc(inner))
            sections.append(self.output_section(in_overlay=True))
        region, lma_region, phdrs, fill = self.section_trailer()
        return ast.Overlay(
            sections=tuple(sections), location=self.loc(tok), start=start, nocrossrefs=nocrossrefs,
            lma=lma, region=region, lma_region=lma_region, phdrs=phdrs, fill=fill,
        )

    def memory(self) -> ast.Memory:
        start = self.next(Mode.SCRIPT)
        self.expect("{", "'{' after MEMORY")
        regions: list[ast.MemoryRegion] = []
        while True:
            tok = self.peek(Mode.SCRIPT)
            if tok.text == "}" and tok.kind == "punct":
                self.next(Mode.SCRIPT)
                break
            if tok.text == "INCLUDE":
                self.include()
                continue
            name = self.expect_name("a memory region name or '}'")
            attributes = ""
            if self.at("("):
                attributes = self.raw_parens().strip()
            self.expect(":", f"':' after memory region '{name.text}'", Mode.EXPR)
            values: dict[str, ast.Expr] = {}
            for _ in range(2):
                key = self.expect_name("ORIGIN or LENGTH", Mode.EXPR)
                kind = {"ORIGIN": "origin", "org": "origin", "o": "origin",
                        "LENGTH": "length", "len": "length", "l": "length"}.get(key.text)
                if kind is None:
                    raise ParseError(f"expected ORIGIN or LENGTH, found {self.describe(key)}", self.loc(key))
                self.expect("=", f"'=' after {key.text}", Mode.EXPR)
                values[kind] = self.expr()
                if not self.accept(",", Mode.EXPR):
                    break
            if set(values) != {"origin", "length"}:
                raise ParseError(f"memory region '{name.text}' needs both ORIGIN and LENGTH", self.loc(name))
            regions.append(ast.MemoryRegion(name.text, attributes, values["origin"], values["length"], self.loc(name)))
        return ast.Memory(tuple(regions), self.loc(start))

    def phdrs(self) -> ast.Phdrs:
        start = self.next(Mode.SCRIPT)
        self.expect("{", "'{' after PHDRS")
        headers: list[ast.Phdr] = []
        while True:
            tok = self.peek(Mode.SCRIPT)
            if tok.text == "}" and tok.kind == "punct":
                self.next(Mode.SCRIPT)
                break
            name = self.expect_name("a program header name or '}'")
            kind = self.next(Mode.SCRIPT)
            if kind.kind not in ("name", "number"):
                raise ParseError(f"expected a program header type, found {self.describe(kind)}", self.loc(kind))
            filehdr = phdrs = False
            at = flags = None
            while not self.accept(";"):
                word = self.expect_name("FILEHDR, PHDRS, AT, FLAGS or ';'")
                if word.text == "FILEHDR":
                    filehdr = True
                elif word.text == "PHDRS":
                    phdrs = True
                elif word.text == "AT":
                    at = self.paren_expr()
                elif word.text == "FLAGS":
                    flags = self.paren_expr()
                else:
                    raise ParseError(f"expected FILEHDR, PHDRS, AT, FLAGS or ';', found {self.describe(word)}", self.loc(word))
            headers.append(ast.Phdr(name.text, kind.text, self.loc(name), filehdr, phdrs, at, flags))
        return ast.Phdrs(tuple(headers), self.loc(start))

    # ------------------------------------------------------------- statements
    def assignment(self, provide: str = "") -> ast.Assignment:
        target = self.next(Mode.EXPR)
        op = self.next(Mode.EXPR)
        value = self.expr()
        if not provide:
            tok = self.peek(Mode.SCRIPT)
            if not (tok.kind == "punct" and tok.text == ";"):
                raise ParseError(f"expected ';' after assignment to '{target.text}', found {self.describe(tok)}", self.loc(tok))
            self.next(Mode.SCRIPT)
        return ast.Assignment(target.text, op.text, value, self.loc(target), provide)

    def provide(self) -> ast.Assignment:
        word = self.next(Mode.SCRIPT)
        self.expect("(", f"'(' after {word.text}", Mode.EXPR)
        if not self.assignment_ahead():
            tok = self.peek(Mode.EXPR)
            raise ParseError(f"expected 'symbol = expression' in {word.text}(...), found {self.describe(tok)}", self.loc(tok))
        result = self.assignment(provide=word.text)
        self.expect(")", f"')' to close {word.text}", Mode.EXPR)
        self.accept(";")
        return ast.Assignment(result.target, result.op, result.value, self.loc(word), word.text)

    def assert_statement(self) -> ast.Assert:
        word = self.next(Mode.SCRIPT)
        self.expect("(", "'(' after ASSERT", Mode.EXPR)
        condition = self.expr()
        self.expect(",", "',' and a message in ASSERT", Mode.EXPR)
        message = self.expect_name("an ASSERT message", Mode.EXPR)
        self.expect(")", "')' to close ASSERT", Mode.EXPR)
        self.accept(";")
        return ast.Assert(condition, message.text, self.loc(word))

    def output_commands(self) -> tuple[ast.OutputCommand, ...]:
        """Statements of an output section body up to and including its ``}``."""
        commands: list[ast.OutputCommand] = []
        while True:
            try:
                tok = self.peek(Mode.WILD)
                if tok.kind == "eof":
                    raise ParseError("expected '}' to close the output section, found end of file", self.loc(tok))
                if tok.kind == "punct" and tok.text == "}":
                    self.next(Mode.WILD)
                    return tuple(commands)
                command = self.output_command()
                if command is not None:
                    commands.append(command)
            except ParseError as exc:
                self.error(exc.message, exc.location)
                if self.peek_eof():
                    return tuple(commands)
                self.recover()

    def output_command(self) -> ast.OutputCommand | None:
        if self.accept(";", Mode.WILD):
            return None
        if self.assignment_ahead():
            return self.assignment()
        tok = self.peek(Mode.WILD)
        word = tok.text
        common = self.common_statement(word) if tok.kind == "name" else False
        if common is not False:
            return common  # type: ignore[return-value]
        if word in DATA_KINDS:
            self.next(Mode.SCRIPT)
            return ast.Data(word, self.paren_expr(), self.loc(tok))
        if word == "ASCIZ":
            self.next(Mode.SCRIPT)
            text = self.next(Mode.SCRIPT)
            if text.kind != "string":
                raise ParseError(f"expected a string after ASCIZ, found {self.describe(text)}", self.loc(text))
            return ast.Data("ASCIZ", ast.String(text.text), self.loc(tok))
        if word in KEYWORDS:
            self.next(Mode.SCRIPT)
            return ast.Keyword(word, self.loc(tok))
        if tok.kind != "name":
            raise ParseError(
                f"expected an input section description, an assignment or '}}', found {self.describe(tok)}",
                self.loc(tok),
            )
        return self.input_section()

    def input_section(self) -> ast.InputSection:
        start = self.peek(Mode.WILD)
        frame = self.frame
        keep = False
        if start.text == "KEEP":
            self.next(Mode.WILD)
            self.expect("(", "'(' after KEEP", Mode.WILD)
            keep = True
        flags: tuple[str, ...] = ()
        if self.at("INPUT_SECTION_FLAGS", Mode.WILD):
            self.next(Mode.WILD)
            flags = tuple(part.strip() for part in self.raw_parens().split("&") if part.strip())
        exclude: tuple[str, ...] = ()
        if self.at("EXCLUDE_FILE", Mode.WILD):
            exclude = self.exclude_list()
        file_sort = self.sort_wrappers()
        file_tok = self.peek(Mode.WILD)
        if file_tok.kind != "name":
            raise ParseError(f"expected a file name pattern, found {self.describe(file_tok)}", self.loc(file_tok))
        self.next(Mode.WILD)
        for _ in file_sort:
            self.expect(")", "')' to close SORT", Mode.WILD)
        sections: tuple[ast.SectionPattern, ...] = ()
        if self.at("(", Mode.WILD):
            self.next(Mode.WILD)
            sections = self.section_list()
        end_tok = None
        if keep:
            end_tok = self.expect(")", "')' to close KEEP", Mode.WILD)
        end = end_tok.end if end_tok else frame.pos
        return ast.InputSection(
            file=file_tok.text, sections=sections, keep=keep, location=self.loc(start),
            text=frame.scanner.text[start.start:end], exclude_files=exclude, flags=flags,
            file_sort=tuple(file_sort), offset=start.start, end=end,
        )

    def exclude_list(self) -> tuple[str, ...]:
        self.next(Mode.WILD)
        self.expect("(", "'(' after EXCLUDE_FILE", Mode.WILD)
        names: list[str] = []
        while True:
            tok = self.next(Mode.WILD)
            if tok.kind == "punct" and tok.text == ")":
                return tuple(names)
            if tok.kind == "punct" and tok.text == ",":
                continue
            if tok.kind not in ("name", "string"):
                raise ParseError(f"expected a file name in EXCLUDE_FILE, found {self.describe(tok)}", self.loc(tok))
            names.append(tok.text)

    def section_list(self) -> tuple[ast.SectionPattern, ...]:
        """Section patterns up to and including the closing ``)``."""
        patterns: list[ast.SectionPattern] = []
        pending_exclude: tuple[str, ...] = ()
        while True:
            tok = self.peek(Mode.WILD)
            if tok.kind == "punct" and tok.text == ")":
                self.next(Mode.WILD)
                return tuple(patterns)
            if tok.kind == "punct" and tok.text == ",":
                self.next(Mode.WILD)
                continue
            if tok.kind == "eof":
                raise ParseError("expected ')' to close the section list, found end of file", self.loc(tok))
            if tok.text == "EXCLUDE_FILE":
                pending_exclude = self.exclude_list()
                continue
            sort = self.sort_wrappers()
            inner_exclude = pending_exclude
            if self.at("EXCLUDE_FILE", Mode.WILD):
                inner_exclude = self.exclude_list()
            name = self.peek(Mode.WILD)
            if name.kind not in ("name", "string"):
                raise ParseError(f"expected a section name pattern, found {self.describe(name)}", self.loc(name))
            self.next(Mode.WILD)
            for _ in sort:
                self.expect(")", "')' to close SORT", Mode.WILD)
            patterns.append(ast.SectionPattern(name.text, inner_exclude, tuple(sort)))
            pending_exclude = ()

    # ------------------------------------------------------------ expressions
    def paren_expr(self) -> ast.Expr:
        self.expect("(", "'('", Mode.EXPR)
        value = self.expr()
        self.expect(")", "')'", Mode.EXPR)
        return value

    def expr(self, min_prec: int = 0) -> ast.Expr:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                tok = self.peek(Mode.EXPR)
                raise ParseError(f"expression nested more than {MAX_DEPTH} deep", self.loc(tok))
            left = self.unary()
            while True:
                tok = self.peek(Mode.EXPR)
                if tok.kind != "punct":
                    return left
                if tok.text == "?" and min_prec == 0:
                    self.next(Mode.EXPR)
                    then = self.expr()
                    self.expect(":", "':' in conditional expression", Mode.EXPR)
                    otherwise = self.expr()
                    left = ast.Conditional(left, then, otherwise)
                    continue
                prec = BINARY_PRECEDENCE.get(tok.text)
                if prec is None or prec <= min_prec:
                    return left
                self.next(Mode.EXPR)
                right = self.expr(prec)
                left = ast.Binary(tok.text, left, right)
        finally:
            self.depth -= 1

    def unary(self) -> ast.Expr:
        tok = self.peek(Mode.EXPR)
        if tok.kind == "punct" and tok.text in ("-", "!", "~", "+"):
            self.next(Mode.EXPR)
            self.depth += 1
            try:
                if self.depth > MAX_DEPTH:
                    raise ParseError(f"expression nested more than {MAX_DEPTH} deep", self.loc(tok))
                operand = self.unary()
            finally:
                self.depth -= 1
            return operand if tok.text == "+" else ast.Unary(tok.text, operand)
        return self.primary()

    def primary(self) -> ast.Expr:
        tok = self.next(Mode.EXPR)
        if tok.kind == "number":
            try:
                return ast.Number(parse_number(tok.text), tok.text)
            except ValueError:
                raise ParseError(f"bad number '{tok.text}'", self.loc(tok)) from None
        if tok.kind == "string":
            return ast.String(tok.text)
        if tok.kind == "punct" and tok.text == "(":
            value = self.expr()
            self.expect(")", "')'", Mode.EXPR)
            return value
        if tok.kind == "name":
            if self.at("(", Mode.EXPR):
                return self.call(tok)
            return ast.Symbol(tok.text)
        raise ParseError(f"expected an expression, found {self.describe(tok)}", self.loc(tok))

    def call(self, name: Token) -> ast.Expr:
        self.next(Mode.EXPR)
        args: list[ast.Expr] = []
        if name.text in NAME_ARG_FUNCTIONS:
            arg = self.expect_name(f"a name in {name.text}(...)", Mode.SCRIPT)
            args.append(ast.Symbol(arg.text))
        elif not self.at(")", Mode.EXPR):
            args.append(self.expr())
            while self.accept(",", Mode.EXPR):
                args.append(self.expr())
        self.expect(")", f"')' to close {name.text}(...)", Mode.EXPR)
        return ast.Call(name.text, tuple(args))
