/* A second generic user of the x86 macro. */
#include <asm/alternative.h>

ALTERNATIVE_ENTRY(other_site);
