/* The hack's shape in assembly: a comment that hides further section operands. */
	.section .asmhack,"a",@note #,"aw"	/* expect: KGC103 */
	.long 1
	.text
