/* Vector page and stubs, copied to their run-time address. */
	.section .vectors, "ax"
vectors:
	jmp	vectors
	.section .stubs, "ax"
stubs:
	jmp	stubs
	.text
	.globl	_start
_start:
	ret
