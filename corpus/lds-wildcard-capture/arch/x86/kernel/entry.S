/* A custom section named inside gcc's .text.* namespace. */
	.section .text.vectors, "ax"	/* expect: KGC204, KGC102 */
vector_reset:
	jmp	vector_reset
	.text
	.globl	_start
_start:
	ret
