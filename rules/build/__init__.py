"""Built-in build rules (pack registered under the kgclint.rules entry-point group)."""

RULES: tuple[type, ...] = ()
