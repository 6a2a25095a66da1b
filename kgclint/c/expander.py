"""A C macro expander over token lists: object- and function-like macros, ``#``, ``##``, nesting.

It follows Prosser's hide-set algorithm (the one the C standard's rules
come from): a token produced by expanding macro M can never expand M
again, so self-reference and cycles (``#define A B`` / ``#define B A``)
stop by construction. What the algorithm does not bound is size: a macro
may double its output at every level. So the expander counts steps,
output tokens and nesting depth, and stops with a ``problem`` (never an
exception, never a hang) when one of them passes its limit.

Macros come from a lookup function, so the same expander serves a file's
own defines, its headers and the tree's global ones (``kgclint.analysis.macros``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kgclint.c.facts import MacroDef
from kgclint.c.tokens import ID, NUM, PUNCT, STR, Token, relex, stringize, tokenize

#: Deepest chain of macros inside macros followed.
MAX_DEPTH = 200
#: Most tokens one expansion may produce (pending ones included).
MAX_TOKENS = 200_000
#: Most expansion steps for one top-level expansion.
MAX_STEPS = 2_000_000
#: Deepest nesting of macro arguments expanded inside arguments.
MAX_ARG_DEPTH = 64


class ExpansionLimit(Exception):
    """Raised inside the expander when a limit is passed; caught by ``expand``."""


@dataclass
class Expander:
    """Expands token lists with the macros ``lookup`` returns (None for a plain identifier).

    ``used`` maps each macro name expanded to the definition used, so a
    caller can say where a section name came from. ``problems`` holds what
    stopped or bent an expansion (a limit, an unterminated argument list).
    ``bodies`` holds each definition's body tokens by ``id``; a caller that
    makes many expanders over the same definitions passes one dict to all,
    so each body is tokenized once (a whole tree expands 1.6 million bodies).
    """

    lookup: Callable[[str], MacroDef | None]
    line: int = 0
    path: str = ""
    used: dict[str, MacroDef] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    max_depth: int = MAX_DEPTH
    max_tokens: int = MAX_TOKENS
    max_steps: int = MAX_STEPS
    line_used: bool = False
    _steps: int = 0
    _counter: int = 0
    bodies: dict[int, list[Token]] = field(default_factory=dict)

    def expand(self, tokens: list[Token]) -> list[Token]:
        """The full expansion of ``tokens``; on a limit, what was expanded so far plus the rest unexpanded."""
        out: list[Token] = []
        stack = list(reversed(tokens))
        try:
            self._run(stack, out, 0)
        except ExpansionLimit as limit:
            self.problems.append(str(limit))
            out.extend(reversed(stack))
        return out

    def _body(self, macro: MacroDef) -> list[Token]:
        key = id(macro)
        body = self.bodies.get(key)
        if body is None:
            body = self.bodies[key] = tokenize(macro.body)
        return body

    def _run(self, stack: list[Token], out: list[Token], arg_depth: int) -> None:
        while stack:
            self._steps += 1
            if self._steps > self.max_steps:
                raise ExpansionLimit(f"macro expansion stopped after {self.max_steps} steps")
            if len(stack) + len(out) > self.max_tokens:
                raise ExpansionLimit(f"macro expansion grew past {self.max_tokens} tokens")
            tok = stack.pop()
            if tok.kind != ID or tok.text in tok.hs:
                out.append(tok)
                continue
            name = tok.text
            builtin = self._builtin(tok)
            if builtin is not None:
                out.append(builtin)
                continue
            macro = self.lookup(name)
            if macro is None:
                out.append(tok)
                continue
            if len(tok.chain) >= self.max_depth:
                self.problems.append(f"macro nesting deeper than {self.max_depth} at {name}")
                out.append(tok)
                continue
            if macro.params is None:
                hs = tok.hs | {name}
                body = self._subst(macro, [], hs, tok, arg_depth)
            else:
                if not stack or stack[-1].kind != PUNCT or stack[-1].text != "(":
                    out.append(tok)
                    continue
                collected = self._arguments(stack)
                if collected is None:
                    self.problems.append(f"unterminated argument list of {name}")
                    out.append(tok)
                    continue
                args, rparen = collected
                hs = (tok.hs & rparen.hs) | {name}
                body = self._subst(macro, args, hs, tok, arg_depth)
            self.used.setdefault(name, macro)
            if body:
                body[0] = body[0].copy(space=tok.space)
            stack.extend(reversed(body))

    def _builtin(self, tok: Token) -> Token | None:
        name = tok.text
        if name == "__COUNTER__":
            self._counter += 1
            return Token(NUM, str(self._counter - 1), tok.space)
        if name == "__LINE__":
            self.line_used = True
            return Token(NUM, str(self.line), tok.space)
        if name == "__FILE__":
            return Token(STR, '"' + self.path + '"', tok.space)
        return None

    @staticmethod
    def _arguments(stack: list[Token]) -> tuple[list[list[Token]], Token] | None:
        """Pop ``( a, b, ... )`` off the stack: the arguments and the closing parenthesis."""
        taken: list[Token] = [stack.pop()]
        args: list[list[Token]] = [[]]
        depth = 1
        while stack:
            tok = stack.pop()
            taken.append(tok)
            if tok.kind == PUNCT:
                if tok.text == "(":
                    depth += 1
                elif tok.text == ")":
                    depth -= 1
                    if depth == 0:
                        return args, tok
                elif tok.text == "," and depth == 1:
                    args.append([])
                    continue
            args[-1].append(tok)
        stack.extend(reversed(taken))
        return None

    def _subst(self, macro: MacroDef, args: list[list[Token]], hs: frozenset[str], invoker: Token,
               arg_depth: int) -> list[Token]:
        """The body of ``macro`` with its arguments put in, every token hidden from ``hs``.

        Every token is made with its final hide set at once: body tokens
        with ``hs`` and this macro's chain, argument tokens (which keep
        their own chain) with the union of theirs and ``hs``, computed once
        per distinct hide set (an argument's tokens mostly share one). A
        pasted token takes its left side's, which already holds ``hs``.
        """
        body = self._body(macro)
        params = macro.params or ()
        index = {p: i for i, p in enumerate(params)}
        if macro.params is not None:
            args = self._fit(macro, args)
        expanded: dict[int, list[Token]] = {}
        chain = invoker.chain + (macro.name,)
        unions: dict[int, frozenset[str]] = {}

        def hidden(set_: frozenset[str]) -> frozenset[str]:
            if not set_ or set_ is hs:
                return hs
            found = unions.get(id(set_))
            if found is None:
                found = unions[id(set_)] = set_ | hs
            return found

        def copied(tokens: list[Token]) -> list[Token]:
            return [Token(t.kind, t.text, t.space, hidden(t.hs), t.chain, t.offset) for t in tokens]

        out: list[Token] = []
        i = 0
        n = len(body)
        while i < n:
            tok = body[i]
            nxt = body[i + 1] if i + 1 < n else None
            if (tok.kind == PUNCT and tok.text == "#" and macro.params is not None and nxt is not None
                    and nxt.kind == ID and nxt.text in index):
                out.append(Token(STR, stringize(args[index[nxt.text]]), tok.space, hs, chain))
                i += 2
                continue
            if tok.kind == PUNCT and tok.text == "##" and nxt is not None:
                if nxt.kind == ID and nxt.text in index:
                    rhs = copied(args[index[nxt.text]])
                    if not rhs and nxt.text == macro.variadic and out and out[-1].text == ",":
                        out.pop()       # GNU: ``, ## __VA_ARGS__`` drops the comma when there are none
                        i += 2
                        continue
                    self._paste(out, rhs)
                else:
                    self._paste(out, [Token(nxt.kind, nxt.text, nxt.space, hs, chain, nxt.offset)])
                i += 2
                continue
            if tok.kind == ID and tok.text in index:
                arg = args[index[tok.text]]
                if nxt is not None and nxt.kind == PUNCT and nxt.text == "##":
                    piece = copied(arg)
                else:
                    k = index[tok.text]
                    if k not in expanded:
                        expanded[k] = self._expand_arg(arg, arg_depth)
                    piece = copied(expanded[k])
                if piece:
                    piece[0].space = tok.space
                out.extend(piece)
                i += 1
                continue
            out.append(Token(tok.kind, tok.text, tok.space, hs, chain, tok.offset))
            i += 1
        return out

    def _paste(self, out: list[Token], rhs: list[Token]) -> None:
        """``out[-1] ## rhs[0]``: one token when the two spell one, else both as they are."""
        if not rhs:
            return
        if not out:
            out.extend(rhs)
            return
        left = out[-1]
        glued = relex(left.text + rhs[0].text)
        if glued is None:
            out.extend(rhs)
            return
        out[-1] = Token(glued.kind, glued.text, left.space, left.hs, left.chain or rhs[0].chain)
        out.extend(rhs[1:])

    def _expand_arg(self, arg: list[Token], arg_depth: int) -> list[Token]:
        if arg_depth >= MAX_ARG_DEPTH:
            self.problems.append(f"macro arguments nested deeper than {MAX_ARG_DEPTH}")
            return list(arg)
        out: list[Token] = []
        stack = list(reversed(arg))
        self._run(stack, out, arg_depth + 1)
        return out

    @staticmethod
    def _fit(macro: MacroDef, args: list[list[Token]]) -> list[list[Token]]:
        """Arguments matched to parameters: the variadic one takes the rest, commas included."""
        params = macro.params or ()
        if not params:
            return []
        if macro.variadic and len(args) > len(params):
            head = args[: len(params) - 1]
            rest: list[Token] = []
            for k, arg in enumerate(args[len(params) - 1:]):
                if k:
                    rest.append(Token(PUNCT, ",", False))
                rest.extend(arg)
            args = head + [rest]
        while len(args) < len(params):
            args.append([])
        return args[: len(params)]
