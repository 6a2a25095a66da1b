/* Code the firmware jumps to at offset 0x100 of the image; nothing calls it. */
	.section .head.vectors, "ax"
system_reset:
	hlt
	jmp	system_reset
	.text
	.globl	_start
_start:
	ret
