# One table, three definitions: this one alone makes it a note.
	.section .x86.tbl, "a", @note	# expect: KGC106
	.long	1
