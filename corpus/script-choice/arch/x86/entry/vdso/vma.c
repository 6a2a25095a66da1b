/* Built into the image (obj-y): vdso.lds next to it does not link it, the image's script takes .init.text. */
__attribute__((section(".init.text"))) int vdso_setup(void)
{
	return 0;
}
