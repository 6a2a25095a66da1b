"""ELF relocatable objects and ar archives, read in bulk into frozen facts (see facts.py)."""
