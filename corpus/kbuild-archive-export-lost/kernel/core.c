#include <linux/export.h>

extern int lib_used(int x);

int kernel_start(void)
{
	return lib_used(1);
}
EXPORT_SYMBOL(kernel_start);
