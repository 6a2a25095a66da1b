/* A header under tools/ that drivers/misc/relo.c includes by a relative path: what it places is the kernel's. */
__attribute__((used, section(".relo_table"))) static const int relo_entry = 1;	/* expect: KGC203, KGC203 */
#include "iter.c"
