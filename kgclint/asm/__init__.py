"""GNU assembler text: the directive scanner shared by ``.S`` files and inline asm.

``syntax`` knows each architecture's comment and separator characters,
``scanner`` turns text into section switches, placements, labels and
symbol references, ``stack`` replays the section stack, ``attrs`` models
the flags and type the assembler and GCC give a section, and ``hack`` finds
the asm-comment section hack in assembly text.
"""
