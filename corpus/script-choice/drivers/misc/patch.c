/* A generic file using an x86-only macro: alpha's script, which lacks .altinstructions, never links this entry. */
#include <asm/alternative.h>

ALTERNATIVE_ENTRY(patch_site);
