/* File-scope asm that pushes a table section and never pops it. */

int before(int x)
{
	return x - 1;
}

asm(".pushsection .probe.tbl,\"a\"\n"		/* expect: KGC105 */
    ".long 1\n");

int after(int x)
{
	return x + 1;
}
