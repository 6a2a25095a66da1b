/* File-scope asm that GCC writes before every function: the nested .previous leaves __ex_table. */

/* An exception-table entry nested in a .fixup block: the outer .previous lands in __ex_table. */
asm(".section .fixup,\"ax\"\n"			/* expect: KGC104 */
    "3:	nop\n"
    ".section __ex_table,\"a\"\n"
    ".long 3b\n"
    ".previous\n"
    ".previous\n");

int after(int x)
{
	return x * 3;
}
