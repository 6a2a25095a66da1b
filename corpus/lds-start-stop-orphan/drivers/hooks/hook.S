/* Entries of a table named like a C identifier, walked through __start_/__stop_. */
	.pushsection hooks, "a"	/* expect: KGC206 */
	.quad	42
	.popsection
