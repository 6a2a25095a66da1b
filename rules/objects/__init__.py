"""Built-in rules on ELF objects and the GC simulation (KGC3xx); one rule per module, gathered here."""

from kgclint_rules._collect import collect

RULES = collect(__name__, __path__)
