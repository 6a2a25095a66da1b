/* A generic driver that writes x86's .altinstructions through x86's macro: read-only, as x86 has it. */
#include <asm/alternative.h>

ALTERNATIVE_ENTRY(patch_site);
