#include <linux/export.h>

/* Used only by modules: nothing built in references it. */
int dma_noop_map(int page)
{
	return page;
}
EXPORT_SYMBOL(dma_noop_map);
