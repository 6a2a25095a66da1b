#include <linux/compiler_attributes.h>
struct ent { int v; };

/* Not const: GCC writes "aw" where the others get "a". */
static struct ent three __used __section(".drv.tbl") = { 3 }; /* expect: KGC106 */
