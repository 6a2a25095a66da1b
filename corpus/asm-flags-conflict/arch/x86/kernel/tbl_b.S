	.pushsection .x86.tbl, "a", @progbits
	.long	2
	.popsection
