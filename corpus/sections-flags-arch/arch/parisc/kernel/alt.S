/* PA-RISC's own .altinstructions is writable; no x86 object is ever linked with it, so nothing conflicts. */
	.section .altinstructions, "aw"
	.word 0
	.previous
