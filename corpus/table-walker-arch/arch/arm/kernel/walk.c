/* arm's code walks the table; no other arch links this file. */
#include "../../../include/linux/tab.h"

extern const struct tab_entry __tab_start[], __tab_end[];

int run_tab(void)
{
	const struct tab_entry *p;
	int sum = 0;

	for (p = __tab_start; p < __tab_end; p++)
		sum += p->fn();
	return sum;
}
