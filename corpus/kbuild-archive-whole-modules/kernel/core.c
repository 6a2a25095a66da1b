extern int lib_used(int x);

int kernel_start(void)
{
	return lib_used(1);
}
