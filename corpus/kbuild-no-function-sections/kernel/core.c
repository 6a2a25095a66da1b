extern void start_kernel(void);

void kernel_entry(void)
{
	start_kernel();
}
