"""Output formats; each is a plugin in the kgclint.reporters entry-point group."""
