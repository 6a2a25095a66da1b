"""What an expanded token list declares: names, storage, section attributes, asm statements.

After macro expansion a kernel line such as ``core_initcall(fn);`` is
plain C again (``static initcall_t __initcall_fn6 __used
__attribute__((__section__(".initcall6.init"))) = fn;``), so this module
reads declarations the way a C compiler's front end would, but only as
far as kgclint needs: attributes (``section``, ``used``, ``unused``,
``retain``), the declared name, function or object, storage class,
``const``, and the templates of basic ``asm`` statements.
"""

from __future__ import annotations

from dataclasses import dataclass

from kgclint.c.items import KEYWORDS, OTHER_KEYWORDS, TYPE_KEYWORDS
from kgclint.c.tokens import ID, PUNCT, STR, Token, spell, string_value

ASM_WORDS = frozenset(("asm", "__asm__", "__asm"))
ATTRIBUTE_WORDS = frozenset(("__attribute__", "__attribute"))
_ASSERTS = frozenset(("static_assert", "_Static_assert"))
_OPEN = {"(": ")", "[": "]", "{": "}"}


@dataclass(slots=True)
class Declared:
    """One declaration or definition read from expanded tokens.

    ``section`` is the section attribute's string (None without one);
    ``section_known`` is False when the attribute's argument did not
    expand to string literals (a macro kgclint could not resolve).
    ``section_tokens`` are the tokens that made the attribute, for the
    macro chain.
    """

    name: str | None
    what: str
    storage: str = ""
    const: bool = False
    used: bool = False
    unused: bool = False
    retain: bool = False
    section: str | None = None
    section_known: bool = True
    section_tokens: tuple[Token, ...] = ()


@dataclass
class AsmStatement:
    """A basic or extended asm statement's template: its text when every piece was a string literal."""

    text: str
    complete: bool
    tokens: list[Token]


def _match(tokens: list[Token], i: int) -> int:
    """Index of the bracket closing ``tokens[i]`` (or len(tokens) when it is never closed)."""
    want = _OPEN[tokens[i].text]
    opener = tokens[i].text
    depth = 0
    for j in range(i, len(tokens)):
        tok = tokens[j]
        if tok.kind != PUNCT:
            continue
        if tok.text == opener:
            depth += 1
        elif tok.text == want:
            depth -= 1
            if depth == 0:
                return j
    return len(tokens)


def chunks(tokens: list[Token]) -> list[tuple[list[Token], bool]]:
    """Split into declarations at ``;``; (tokens, has_body) with bodies and initializer braces cut out."""
    out: list[tuple[list[Token], bool]] = []
    cur: list[Token] = []
    seen_eq = False
    i = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        if tok.kind == PUNCT:
            text = tok.text
            if text == ";":
                if cur:
                    out.append((cur, False))
                cur, seen_eq = [], False
                i += 1
                continue
            if text == "{":
                end = _match(tokens, i)
                if seen_eq or not cur:
                    cur.append(Token(PUNCT, "{}", tok.space))
                    i = end + 1
                    continue
                out.append((cur, True))
                cur, seen_eq = [], False
                i = end + 1
                continue
            if text in ("(", "["):
                end = _match(tokens, i)
                cur.extend(tokens[i:end + 1])
                i = end + 1
                continue
            if text == "=":
                seen_eq = True
        cur.append(tok)
        i += 1
    if cur:
        out.append((cur, False))
    return out


def asm_template(tokens: list[Token], start: int) -> AsmStatement | None:
    """The template of the asm statement whose keyword is ``tokens[start]``."""
    i = start + 1
    while i < len(tokens) and tokens[i].kind == ID and tokens[i].text in (
            "volatile", "__volatile__", "__volatile", "inline", "__inline__", "goto"):
        i += 1
    if i >= len(tokens) or tokens[i].text != "(":
        return None
    end = _match(tokens, i)
    parts: list[str] = []
    pieces: list[Token] = []
    complete = True
    depth = 0
    for tok in tokens[i + 1:end]:
        if tok.kind == PUNCT and tok.text in "([":
            depth += 1
        elif tok.kind == PUNCT and tok.text in ")]":
            depth -= 1
        elif tok.kind == PUNCT and tok.text == ":" and depth == 0:
            break
        pieces.append(tok)
        if tok.kind == STR:
            parts.append(string_value(tok.text))
        else:
            complete = False
    return AsmStatement("".join(parts), complete, pieces)


def _attributes(tokens: list[Token], i: int, decl: Declared) -> int:
    """Read ``__attribute__((...))`` at ``i`` into ``decl``; the index after it."""
    if i + 1 >= len(tokens) or tokens[i + 1].text != "(":
        return i + 1
    end = _match(tokens, i + 1)
    inner = tokens[i + 3:end - 1] if i + 2 < len(tokens) and tokens[i + 2].text == "(" else tokens[i + 2:end]
    j = 0
    while j < len(inner):
        tok = inner[j]
        if tok.kind == ID:
            name = tok.text.strip("_")
            args: list[Token] = []
            k = j + 1
            if k < len(inner) and inner[k].text == "(":
                close = _match(inner, k)
                args = inner[k + 1:close]
                k = close + 1
            if name == "section":
                if args and all(a.kind == STR for a in args):
                    decl.section = "".join(string_value(a.text) for a in args)
                else:
                    decl.section = spell(args)
                    decl.section_known = False
                decl.section_tokens = (tok, *args)
            elif name == "used":
                decl.used = True
            elif name == "unused":
                decl.unused = True
            elif name == "retain":
                decl.retain = True
            j = k
            continue
        j += 1
    return end + 1


def declaration(tokens: list[Token], has_body: bool, default_kind: str) -> Declared | AsmStatement | None:
    """What one chunk declares (a Declared), or the asm statement it is, or None."""
    k = 0
    while k < len(tokens) and tokens[k].kind == ID and tokens[k].text == "__extension__":
        k += 1
    if k < len(tokens) and tokens[k].kind == ID:
        if tokens[k].text in ASM_WORDS:
            return asm_template(tokens, k)
        if tokens[k].text in _ASSERTS:
            return None
    decl = Declared(name=None, what="object")
    rest: list[Token] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.kind == ID and tok.text in ATTRIBUTE_WORDS:
            i = _attributes(tokens, i, decl)
            continue
        if tok.kind == ID and tok.text in ASM_WORDS and i + 1 < len(tokens) and tokens[i + 1].text == "(":
            i = _match(tokens, i + 1) + 1       # an asm label
            continue
        if tok.kind == PUNCT and tok.text == "=":
            break
        rest.append(tok)
        i += 1
    words = [t.text for t in rest if t.kind == ID]
    if "typedef" in words:
        return None
    decl.storage = "static" if "static" in words else "extern" if "extern" in words else ""
    # specifiers
    typed = keyword_type = False
    i = 0
    while i < len(rest):
        tok = rest[i]
        if tok.kind == ID and tok.text in TYPE_KEYWORDS:
            typed = keyword_type = True
            if tok.text in ("struct", "union", "enum") and i + 1 < len(rest) and rest[i + 1].kind == ID:
                i += 1
            if tok.text in ("typeof", "__typeof__", "__typeof") and i + 1 < len(rest) and rest[i + 1].text == "(":
                i = _match(rest, i + 1)
        elif tok.kind == ID and tok.text in OTHER_KEYWORDS:
            if tok.text in ("const", "__const", "__const__"):
                decl.const = True
        elif tok.kind == ID and not typed:
            typed = True
            if i + 1 < len(rest) and rest[i + 1].text == "(":
                i = _match(rest, i + 1)         # an annotation macro with arguments
                typed = False
        elif tok.kind == PUNCT and tok.text == "{}":
            pass
        else:
            break
        i += 1
    declarator = rest[i:]
    if not declarator and typed and not keyword_type:
        return None
    candidates: list[tuple[int, Token]] = []
    depth = 0
    for j, tok in enumerate(declarator):
        if tok.kind == PUNCT and tok.text in "([":
            depth += 1
        elif tok.kind == PUNCT and tok.text in ")]":
            depth -= 1
        elif tok.kind == ID and depth == 0 and tok.text not in KEYWORDS:
            candidates.append((j, tok))
    function_names = [
        tok.text for j, tok in candidates
        if j + 1 < len(declarator) and declarator[j + 1].text == "("
    ]
    if function_names:
        plain = [n for n in function_names if not n.startswith("__")]
        decl.name = (plain or function_names)[0]
        decl.what = "function"
    elif candidates:
        plain = [tok.text for _, tok in candidates if not tok.text.startswith("__")]
        decl.name = (plain or [candidates[0][1].text])[0]
    else:
        inner = [t for t in declarator if t.kind == ID and t.text not in KEYWORDS]
        decl.name = inner[0].text if inner else None
    if has_body or (default_kind == "function" and decl.what == "function"):
        decl.what = "function"
    stars = [j for j, t in enumerate(declarator) if t.kind == PUNCT and t.text == "*"]
    if stars:
        after = declarator[stars[-1] + 1:]
        decl.const = any(t.kind == ID and t.text == "const" for t in after)
    if decl.name is None and decl.section is None:
        return None
    return decl


def read(tokens: list[Token], default_kind: str = "declaration") -> list[Declared | AsmStatement]:
    """Every declaration and asm statement in ``tokens``, in order."""
    out: list[Declared | AsmStatement] = []
    pieces = chunks(tokens)
    for n, (chunk, has_body) in enumerate(pieces):
        kind = default_kind if n == len(pieces) - 1 else "declaration"
        found = declaration(chunk, has_body, kind)
        if found is not None:
            out.append(found)
    return out
