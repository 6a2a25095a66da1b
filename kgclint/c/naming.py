"""The compiler's own section names: what ``-ffunction-sections``/``-fdata-sections`` call things.

GCC names the section of function ``f`` ``.text.f`` (``.text.unlikely.f``,
``.text.hot.f``, ``.text.startup.f``, ``.text.exit.f`` for cold, hot,
``main``/constructor and destructor code), of object ``o`` ``.data.o``,
``.rodata.o`` or ``.bss.o``. This is compiler knowledge (proved in
``tests/test_c_rules.py`` with gcc and arm-linux-gnueabi-gcc), not a list
of kernel sections.
"""

from __future__ import annotations

#: Prefixes of the sections GCC makes for one function or object, longest first.
FUNCTION_PREFIXES = (".text.unlikely.", ".text.startup.", ".text.exit.", ".text.hot.", ".text.")
OBJECT_PREFIXES = (".rodata.", ".data.", ".bss.")
#: Sections GCC itself fills with many functions (hot/cold splitting): a custom use of exactly these joins them.
COMPILER_GROUPS = frozenset((".text.unlikely", ".text.hot", ".text.startup", ".text.exit"))


def compiler_namespace(section: str) -> tuple[str, str] | None:
    """(prefix, rest) when ``section`` is spelled like a compiler-made per-symbol section, else None.

    The kernel's ``..`` convention (``.data..percpu``, ``.text..ftrace``)
    is outside the namespace: no C identifier starts with a dot.
    """
    for prefix in FUNCTION_PREFIXES + OBJECT_PREFIXES:
        if section.startswith(prefix):
            rest = section[len(prefix):]
            if not rest or rest.startswith("."):
                return None
            return prefix, rest
    return None


def kernel_spelling(section: str) -> str | None:
    """The ``..`` spelling of a section in the compiler namespace (``.text.foo`` → ``.text..foo``)."""
    found = compiler_namespace(section)
    if found is None:
        return None
    prefix, rest = found
    return prefix + "." + rest
