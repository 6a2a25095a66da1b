"""File-scope items, inline-asm templates and definitions from a tree-sitter tree.

Without cpp, tree-sitter splits a kernel declaration such as
``static int bar __section(".x") __used = 1;`` into several top-level
nodes (a declaration, a MISSING ``;``, an expression statement). So the
top-level nodes are regrouped into items by the C rules that do not
depend on macros: an item ends at a ``;`` or after a function body, and
its head runs to the initializer's ``=`` or the body's ``{``. Only the
top level is walked in Python; function bodies stay inside tree-sitter.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from kgclint.c.facts import IDENT, AsmPiece, Item
from kgclint.c.tokens import _TOKEN

_PARENS = re.compile(r"\([^()]*\)")
_TAG = re.compile(r"\b(?:struct|union|enum)\s+[A-Za-z_]\w*")
_FIRST_CALL = re.compile(r"^\s*([A-Za-z_]\w*)\s*\(")

#: Keywords that name or build a type: with one of these, a declaration has no typedef name.
TYPE_KEYWORDS = frozenset(
    "void char short int long float double signed unsigned _Bool __int128 _Complex "
    "struct union enum typeof __typeof__ __typeof __auto_type _Float16".split()
)
#: Other keywords that may stand in a declaration's head.
OTHER_KEYWORDS = frozenset(
    "static extern inline __inline __inline__ const volatile __volatile__ register auto typedef "
    "restrict __restrict __restrict__ _Thread_local __thread _Noreturn _Alignas __extension__ "
    "__signed__ __const __const__ _Atomic".split()
)
KEYWORDS = TYPE_KEYWORDS | OTHER_KEYWORDS
#: Attribute and asm keywords: an item that spells one is always kept.
ATTRIBUTE_WORDS = frozenset(("__attribute__", "__attribute", "asm", "__asm__", "__asm", "__declspec"))

#: Nodes the walk treats as one opaque piece (bodies, lists, literals).
_ATOMS = frozenset((
    "compound_statement", "initializer_list", "string_literal", "concatenated_string", "char_literal",
    "parameter_list", "argument_list", "field_declaration_list", "enumerator_list", "comment",
    "attribute_specifier", "gnu_asm_expression", "raw_string_literal",
))
_PREPROC_CONTAINERS = frozenset(("preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif", "preproc_elifdef"))
_PREPROC_SKIP = frozenset(("preproc_def", "preproc_function_def", "preproc_include", "preproc_call", "comment"))
#: Longest head text kept; a longer head is cut.
MAX_HEAD = 4096


@dataclass(frozen=True, slots=True)
class RawItem:
    """An item before the relevance filter: its head span, kind, and the body node when it has one."""

    start: int
    head_end: int
    kind: str
    point: tuple[int, int]
    end: int


def _atoms(root: Node) -> Iterator[Node]:
    """The top-level pieces of the file in order, descending into everything but atoms."""
    stack: list[Iterator[Node]] = [iter(root.children)]
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
            continue
        kind = node.type
        if kind in _PREPROC_SKIP:
            continue
        if kind in _PREPROC_CONTAINERS:
            skip = {id_ for id_ in (node.child_by_field_name("condition"), node.child_by_field_name("name")) if id_}
            stack.append(
                iter([c for c in node.children if c not in skip and not c.type.startswith("#") and c.type != "\n"])
            )
            continue
        if kind == "function_definition" and not node.has_error:
            body = node.child_by_field_name("body")
            if body is not None and body.type == "compound_statement":
                yield node
                continue
        if kind in _ATOMS or node.child_count == 0:
            if node.is_missing or node.start_byte == node.end_byte:
                continue
            yield node
            continue
        stack.append(iter(node.children))


def raw_items(root: Node) -> tuple[list[RawItem], list[tuple[int, str]]]:
    """Regroup the top-level pieces into items (see the module doc); also (line, message) problems."""
    items: list[RawItem] = []
    problems: list[tuple[int, str]] = []
    start = -1
    point = (0, 0)
    head_end = -1
    depth = 0
    seen_eq = False

    def close(end: int, kind: str) -> None:
        nonlocal start, head_end, seen_eq
        items.append(RawItem(start, head_end if head_end >= 0 else end, kind, point, end))
        start, head_end, seen_eq = -1, -1, False

    for atom in _atoms(root):
        kind = atom.type
        if start < 0:
            if kind == ";":
                continue
            start = atom.start_byte
            point = (atom.start_point[0], atom.start_point[1])
        if kind == "function_definition":
            # a well-formed definition: one atom, its head ends at the body
            body = atom.child_by_field_name("body")
            if head_end < 0:
                head_end = body.start_byte
            close(atom.end_byte, "function")
            continue
        if kind == "{":
            if depth == 0 and head_end < 0:
                head_end = atom.start_byte
            depth += 1
            continue
        if kind == "}":
            if depth == 0:
                problems.append((atom.start_point[0] + 1, "unbalanced '}' at file scope"))
                continue
            depth -= 1
            if depth == 0 and not seen_eq:
                close(atom.end_byte, "function")
            continue
        if depth:
            continue
        if kind == ";":
            close(atom.end_byte, "initialized" if seen_eq else "declaration")
        elif kind == "=" and head_end < 0:
            head_end = atom.start_byte
            seen_eq = True
        elif kind == "compound_statement":
            closing = atom.children[-1] if atom.child_count else None
            if closing is not None and closing.is_missing:
                problems.append((atom.start_point[0] + 1, "'{' is never closed"))
            if seen_eq:
                continue
            if head_end < 0:
                head_end = atom.start_byte
            close(atom.end_byte, "function")
        elif kind == "initializer_list" and head_end < 0:
            head_end = atom.start_byte
            seen_eq = True
    if depth:
        problems.append((point[0] + 1, "'{' is never closed"))
    if start >= 0:
        close(root.end_byte, "initialized" if seen_eq else "declaration")
    return items, problems


def head_may_hold_macro(head: str) -> bool:
    """Whether a head may contain a macro or attribute, judged without knowing any macro.

    In C a declaration's specifiers hold keywords and at most one typedef
    name, then come the declarator names. So a head with more identifiers
    at parenthesis depth 0 than that, one that starts like a call (a macro
    invocation at file scope), or one that spells an attribute or asm
    keyword, may hold a macro; anything else is plain C and is not kept.
    """
    words = IDENT.findall(head)
    if not words:
        return False
    if ATTRIBUTE_WORDS.intersection(words):
        return True
    flat = _innermost_first(_PARENS, " () ", head, 8)
    top = IDENT.findall(_TAG.sub(" struct ", flat))
    if "typedef" in top:
        return False
    has_type = any(w in TYPE_KEYWORDS for w in top)
    names = [w for w in top if w not in KEYWORDS]
    if len(names) > (1 if has_type else 2):
        return True
    call = _FIRST_CALL.match(_strip_storage(head))
    return bool(call) and call.group(1) not in KEYWORDS


def _strip_storage(head: str) -> str:
    words = head.split(None, 1)
    while words and words[0] in ("static", "extern", "const"):
        head = words[1] if len(words) > 1 else ""
        words = head.split(None, 1)
    return head


def kept_items(text: str, raws: list[RawItem]) -> list[Item]:
    """The items whose heads may hold a macro or attribute."""
    out: list[Item] = []
    for raw in raws:
        head = text[raw.start:min(raw.head_end, raw.start + MAX_HEAD)]
        if not head_may_hold_macro(head):
            continue
        out.append(Item(
            text=head.rstrip(),
            kind=raw.kind,
            line=raw.point[0] + 1,
            column=raw.point[1] + 1,
            start=raw.start,
        ))
    return out


_ASM_WORD = re.compile(rb"\b(?:__asm__|__asm|asm)\b")
_ASM_QUALIFIERS = frozenset(("volatile", "__volatile__", "__volatile", "inline", "__inline__", "goto"))
#: The longest asm template read; a longer one is cut.
MAX_ASM = 64 * 1024


#: Comments and string/character literals (an unterminated one runs to its line's or the text's end).
NOISE = re.compile(rb"/\*.*?(?:\*/|\Z)|//[^\n]*|\"(?:[^\"\\\n]|\\.)*\"?|'(?:[^'\\\n]|\\.)*'?", re.S)
#: A preprocessor line with its backslash-continued lines.
DIRECTIVE_LINE = re.compile(rb"^[ \t]*#(?:[^\n\\]|\\.)*", re.M | re.S)


def _skipped_spans(data: bytes) -> tuple[list[int], list[int]]:
    """Start and end offsets of comments, literals and preprocessor lines, in order, not overlapping."""
    spans = [m.span() for m in NOISE.finditer(data)]
    spans += [m.span() for m in DIRECTIVE_LINE.finditer(data)]
    spans.sort()
    starts: list[int] = []
    ends: list[int] = []
    for start, end in spans:
        if ends and start < ends[-1]:
            ends[-1] = max(ends[-1], end)
            continue
        starts.append(start)
        ends.append(end)
    return starts, ends


def asm_pieces(text: str, data: bytes, raws: list[RawItem]) -> list[AsmPiece]:
    """Every asm statement's template text, up to its first operand colon, unexpanded.

    A keyword inside a comment, a literal or a preprocessor line (a
    ``#define`` body is expanded where it is used) is skipped. Whether a
    statement is at file scope is read from the function bodies' byte
    ranges. Both are interval look-ups, so deep nesting costs nothing.
    """
    keywords = list(_ASM_WORD.finditer(data))
    if not keywords:
        return []
    starts, ends = _skipped_spans(data)
    bodies = [(raw.head_end, raw.end) for raw in raws if raw.kind == "function"]
    body_starts = [b[0] for b in bodies]
    out: list[AsmPiece] = []
    line = 1
    last = 0
    covered = 0         # end of the last template read: an asm keyword inside it is part of it
    for match in keywords:
        pos = match.start()
        if pos < covered:
            continue
        k = bisect_right(starts, pos) - 1
        if k >= 0 and pos < ends[k]:
            continue
        found = _template(text, match.end())
        if found is None:
            continue
        template, covered = found
        k = bisect_right(body_starts, pos) - 1
        top_level = not (k >= 0 and bodies[k][0] <= pos < bodies[k][1])
        line += data.count(b"\n", last, pos)
        last = pos
        column = pos - (data.rfind(b"\n", 0, pos) + 1) + 1
        out.append(AsmPiece(template, line, column, pos, top_level))
    return out


def _template(text: str, pos: int) -> tuple[str, int] | None:
    """The template of an asm statement whose keyword ends at ``pos``, and where the scan stopped."""
    depth = 0
    begin = -1
    for match in _TOKEN.finditer(text, pos, min(len(text), pos + MAX_ASM)):
        kind = match.lastgroup
        if kind == "ws":
            continue
        tok = match.group()
        if begin < 0:
            if kind == "id" and tok in _ASM_QUALIFIERS:
                continue
            if tok != "(":
                return None
            begin = match.end()
            depth = 1
            continue
        if tok in "([{" and kind == "punct":
            depth += 1
        elif tok in ")]}" and kind == "punct":
            depth -= 1
            if depth == 0:
                return text[begin:match.start()], match.end()
        elif tok == ":" and depth == 1:
            return text[begin:match.start()], match.end()
        elif tok == ";" and depth <= 1:
            return None
    return None



_HEAD_NOISE = re.compile(r"/\*.*?(?:\*/|\Z)|//[^\n]*|^[ \t]*#(?:[^\n\\]|\\.)*", re.M | re.S)
_BRACES = re.compile(r"\{[^{}]*\}")
_HEAD_TOKEN = re.compile(r"[A-Za-z_$][\w$]*|\(\)|\[[^\]]*\]|[*,]", re.A)


def _innermost_first(pattern: re.Pattern[str], replacement: str, text: str, depth: int) -> str:
    """``text`` with ``pattern`` (a group holding no group) replaced from the inside out, ``depth`` levels deep."""
    for _ in range(depth):
        reduced = pattern.sub(replacement, text)
        if reduced == text:
            break
        text = reduced
    return text


def flatten(head: str) -> str:
    """``head`` with every parenthesized group emptied: ``f(int (*g)(void))`` → ``f()``."""
    return _innermost_first(_PARENS, "()", head, 8)


def _without_bodies(head: str) -> str:
    """A head without comments, preprocessor lines and ``{...}`` groups: ``struct s { int a; } x`` defines
    ``x`` alone, and ``enum e { A, B };`` defines no object (its constants are no symbols)."""
    return _innermost_first(_BRACES, " ", _HEAD_NOISE.sub(" ", head), 16)


def definitions(head: str, kind: str) -> list[tuple[str, str, str]]:
    """(name, 'function'|'object', storage) for what an item defines, read from its head text.

    Text, not tree-sitter nodes: kernel heads are full of macros tree-sitter
    cannot place, and reading nodes from Python costs more than the parse.
    A function's name is the first identifier before ``(`` that follows a
    type word (a ``__``-prefixed one when no other ``(`` follows it, as in
    ``static int __init __foo(void)``); an object's, the last identifier of each declarator that is
    not a ``__``-prefixed annotation. Prototypes, ``extern``s and typedefs
    define nothing.
    """
    if "{" in head or "/" in head or "#" in head:
        head = _without_bodies(head)
    words = _HEAD_TOKEN.findall(_TAG.sub(" struct ", flatten(head)))
    if "typedef" in words or "extern" in words:
        return []
    storage = "static" if "static" in words else ""
    typed = False
    i = 0
    while i < len(words):
        word = words[i]
        if word in TYPE_KEYWORDS:
            typed = True
        elif word in OTHER_KEYWORDS or word.startswith("__"):
            if i + 1 < len(words) and words[i + 1] == "()":
                if kind == "function" and typed and word not in OTHER_KEYWORDS and "()" not in words[i + 2:]:
                    break               # the last call-shaped word after the type: ``int __init __foo(void)``
                i += 1                  # an annotation macro with arguments: ``__printf(1, 2)``
        elif word[0] in "*[(,":
            break
        elif typed:
            break
        elif i + 1 < len(words) and words[i + 1] == "()":
            if kind == "function" and "()" in words[i + 2:]:
                i += 2                  # ``DEFINE_GETTER(int)`` with no ';', then this item's own head
                typed = False
                continue
            return []                   # a macro invocation in place of a type: nothing kgclint can name
        else:
            typed = True                # the typedef name
        i += 1
    out: list[tuple[str, str, str]] = []
    declarator: list[str] = []
    for word in words[i:] + [","]:
        if word != ",":
            declarator.append(word)
            continue
        names = [
            (j, w) for j, w in enumerate(declarator)
            if w[0] not in "*[(," and w not in KEYWORDS
        ]
        declarator, parts = [], declarator
        if not names:
            continue
        function = [w for j, w in names if j + 1 < len(parts) and parts[j + 1] == "()"
                    and not (w.startswith("__") and len(names) > 1 and w != names[0][1] and kind != "function")]
        if kind == "function":
            if function:
                return [(function[0], "function", storage)]
            continue
        first = names[0]
        if first[0] + 1 < len(parts) and parts[first[0] + 1] == "()" and not first[1].startswith("__"):
            continue                    # a prototype
        plain = [w for j, w in names if not w.startswith("__") and not (j + 1 < len(parts) and parts[j + 1] == "()")]
        out.append(((plain or [names[0][1]])[0], "object", storage))
    return out
