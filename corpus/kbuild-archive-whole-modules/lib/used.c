#include <linux/export.h>

int lib_used(int x)
{
	return x + 1;
}
EXPORT_SYMBOL(lib_used);
