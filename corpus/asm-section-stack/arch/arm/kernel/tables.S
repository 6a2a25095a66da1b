/* Section stack use in an ARM .S file: '@' starts a comment here, '%' prefixes types. */

	.text
	.macro	entry, label
	.pushsection .arm.tbl, "a", %progbits
	.long	\label
	.popsection
	.endm

	.macro	open_tbl
	.pushsection .arm.tbl2, "a", %progbits
	.endm

	.macro	close_tbl
	.popsection
	.endm

	.globl	first
first:
1:	mov	r0, r0
	entry	1b
	open_tbl
	.long	2
	close_tbl
	bx	lr

#ifdef CONFIG_DEBUG_TBL
	.pushsection .arm.dbg, "a", %progbits
#endif
	.long	3
#ifdef CONFIG_DEBUG_TBL
	.popsection
#endif

	.section .arm.data, "aw", %progbits
	.long	4
	.popsection				@ expect: KGC105
	.previous
