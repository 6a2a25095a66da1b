/* Linked into the vDSO by vdso.lds, which takes no .vvar. */
__attribute__((section(".vvar"))) int vvar_page = 1;	/* expect: KGC203 */

int vclock_read(void)
{
	return vvar_page;
}
