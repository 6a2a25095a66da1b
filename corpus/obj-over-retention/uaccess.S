/* An exception table kept whole: its entries pin user-access code nothing calls. */
	.globl	_start
	.section .text.._start,"ax",@progbits
_start:
	call	used_get_user
	ret

	.section .text..used_get_user,"ax",@progbits
	.type	used_get_user, @function
used_get_user:
1:	movl	(%rdi), %eax
	ret
	.size	used_get_user, .-used_get_user
	.pushsection __ex_table,"a"
	.quad	1b, 9f
	.popsection

	.section .text..dead_get_user,"ax",@progbits
	.type	dead_get_user, @function
dead_get_user:
	nop
2:	movl	(%rsi), %eax
	ret
	.size	dead_get_user, .-dead_get_user
	.pushsection __ex_table,"a"
	.quad	2b, 9f
	.popsection

	.section .fixup,"ax",@progbits
9:	xorl	%eax, %eax
	ret
