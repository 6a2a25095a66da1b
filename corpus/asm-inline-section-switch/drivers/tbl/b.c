#include <linux/tbl.h>

int tbl_b(int x)
{
	return x + 2;
}
TBL_ENTRY(tbl_b);
