/* Sections made for modules alone, as powerpc's asm/module.h makes .stubs, beside one the image has. */
#ifdef __x86_64__
#  ifdef MODULE
asm(".pushsection .modstubs,\"a\"; .byte 1; .popsection");
#  else
asm(".pushsection .builtin_only,\"a\"; .byte 2; .popsection");	/* expect: KGC203 */
#  endif
#endif

#if defined(MODULE)
static const char modinfo_like[] __attribute__((used, section(".modmeta"))) = "m";
#endif

void _start(void)
{
}
