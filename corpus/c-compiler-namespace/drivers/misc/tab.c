#include <linux/compiler_attributes.h>

/* Inside the compiler's namespace: *(.data .data.*) swallows it. */
static const int entry __used __section(".data.quirks") = 1; /* expect: KGC102 */

/* The kernel's '..' convention: no C identifier can make this name. */
static const int fine __used __section(".data..quirks") = 2;

/* The same in inline asm at file scope. */
asm(".pushsection .rodata.asmtab,\"a\"\n\t.long 1\n\t.popsection"); /* expect: KGC102 */
