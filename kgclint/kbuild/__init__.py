"""A model of Kbuild makefiles: the statement AST, make's expansion, and Kbuild's membership rules.

``syntax`` is the per-file statement tree (what the front-end returns),
``evaluate`` runs make's variable and conditional semantics on it (no make
is run), ``tree`` applies Kbuild's conventions (obj-y, lib-y, composites,
descent, flags) to evaluated directories.
"""
