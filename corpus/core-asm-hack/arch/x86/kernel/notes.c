#include <linux/compiler_attributes.h>

/* The x86 spelling on x86: assembles, and makes an SHT_NOTE section GC never drops. */
static const char x86_note[] __used __section(".x86.notes,\"a\",@note #") = "x86"; /* expect: KGC103 */

/* A plain section name is not the hack. */
static const char plain[] __used __section(".x86.plain") = "ok";
