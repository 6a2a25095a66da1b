#include <linux/tbl.h>

int tbl_a(int x)
{
	return x + 1;
}
TBL_ENTRY(tbl_a);
