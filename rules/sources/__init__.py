"""Built-in rules on C and GNU assembly sources (KGC1xx); one rule per module, gathered here."""

from kgclint_rules._collect import collect

RULES = collect(__name__, __path__)
