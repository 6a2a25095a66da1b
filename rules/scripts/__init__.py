"""Built-in scripts rules (pack registered under the kgclint.rules entry-point group)."""

RULES: tuple[type, ...] = ()
