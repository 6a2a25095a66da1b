#include <linux/compiler_attributes.h>

/* -ffunction-sections puts this function into .text.quirk_hook ... */
void quirk_hook(void) /* expect: KGC107 */
{
}
