"""Built-in rules on linker scripts (KGC2xx); one rule per module, gathered here."""

from kgclint_rules._collect import collect

RULES = collect(__name__, __path__)
