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

asm(".data\n"					/* expect: KGC104 */
    "counter:	.long 0\n"
    ".text\n");

asm(".pushsection .probe.tbl,\"a\"\n"		/* expect: KGC105 */
    ".long 1\n");
