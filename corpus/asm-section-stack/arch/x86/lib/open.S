# An x86 .S file that leaves a pushed section open at its end.
	.text
	.globl	f
f:	ret

#ifdef CONFIG_X
	.pushsection .x86.tbl, "a"	# expect: KGC105
	.quad	f
#endif
