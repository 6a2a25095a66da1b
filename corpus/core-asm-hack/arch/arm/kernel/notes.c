#include <linux/compiler_attributes.h>

/* The x86 spelling on ARM: '#' comments nothing mid-line, so the assembler rejects it. */
static const char wrong[] __used __attribute__((section(".arm.notes,\"a\",@note #"))) = "bad"; /* expect: KGC103 */

/* The ARM spelling on ARM: assembles, still the hack. */
static const char right[] __used __attribute__((section(".arm.notes2,\"a\",%note @"))) = "ok"; /* expect: KGC103 */
