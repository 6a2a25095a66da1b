#include <linux/compiler_attributes.h>

/* No arch in the path and none configured: the verdict depends on the target. */
static const int any_arch __used __section(".misc.notes,\"a\",@note #") = 1; /* expect: KGC103 */
