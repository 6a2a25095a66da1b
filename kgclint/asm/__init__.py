"""GNU assembler text: the directive scanner shared by ``.S`` files and inline asm.

``syntax`` knows each architecture's comment and separator characters,
``scanner`` turns text into section switches, placements, labels and
symbol references, ``stack`` replays the section stack per ``#if``
configuration, ``attrs`` models the flags and type the assembler and GCC
give a section, ``hack`` finds the asm-comment section hack in assembly
text and says what GCC's own line becomes, ``expand`` rescans ``.S`` files
with the tree's C macros, and ``origin`` reports inline-asm problems at the
macro that writes them.
"""
