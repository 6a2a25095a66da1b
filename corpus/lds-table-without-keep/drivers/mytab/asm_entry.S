/* An entry written in assembly, as arch code does. */
	.pushsection .mytab, "a"
	.quad	asm_entry_name
	.quad	0
	.popsection

	.section .rodata, "a"
asm_entry_name:
	.asciz	"asm"
