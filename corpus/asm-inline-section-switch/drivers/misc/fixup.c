/* Inline asm that changes sections behind GCC's back, and the correct spelling. */

int probe(int x)
{
	asm volatile("1:	nop\n"		/* expect: KGC104 */
		     ".section .fixup,\"ax\"\n"
		     "2:	jmp 1b\n"
		     ".previous\n");
	return x + 1;
}

int probe_ok(int x)
{
	asm volatile("1:	nop\n"
		     ".pushsection .fixup,\"ax\"\n"
		     "2:	jmp 1b\n"
		     ".popsection\n");
	return x + 2;
}

int probe_data(int x)
{
	asm volatile(".data\n"			/* expect: KGC104 */
		     "counter:	.long 0\n"
		     ".text\n");
	return x + 3;
}

/* A function written at file scope after .text: GCC is in .text there, so nothing to report. */
asm(".text\n"
    ".globl probe_stub\n"
    "probe_stub:	ret\n");
