/* An x86-only macro: what it writes exists in x86 builds alone, whichever file uses it. */
#define ALTERNATIVE_ENTRY(sym) asm(".pushsection .altinstructions,\"a\"\n\t.long " #sym "\n\t.popsection")
