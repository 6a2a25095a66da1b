"""kgclint's built-in rules, shipped under the import name kgclint_rules."""
