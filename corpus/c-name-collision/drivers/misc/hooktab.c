#include <linux/compiler_attributes.h>

/* ... the very name of this custom section, so the linker merges the two. */
static const int hook_entry __used __section(".text.quirk_hook") = 1; /* expect: KGC102 */
