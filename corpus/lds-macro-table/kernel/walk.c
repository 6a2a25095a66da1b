#include "../include/linux/mytab.h"

int run_mytab(void)
{
	const struct mytab_entry *p;
	int sum = 0;

	for (p = __mytab_start; p < __mytab_end; p++)
		if (p->fn)
			sum += p->fn();
	return sum;
}

void _start(void)
{
	run_mytab();
	for (;;)
		;
}
