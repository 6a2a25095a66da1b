"""C sources without a preprocessor run: tokens, directives, file-scope items and a macro expander.

Kernel C is read as written, before cpp: macro invocations at file scope
look like calls or declarations, and ``#if`` branches are all present. This
package turns such text into the few facts kgclint needs (macro definitions,
includes, the heads of file-scope declarations, inline-asm templates) and
expands macros on demand with the tree's own definitions.
"""
