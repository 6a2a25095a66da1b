/* Data in a section the linker script does not name: an orphan. */
	.globl	_start
	.section .text.._start,"ax",@progbits
_start:
	movl	counters(%rip), %eax
	ret

	.section .counters,"aw",@progbits	# expect: KGC203, KGC302
counters:
	.long	0, 0, 0, 0
