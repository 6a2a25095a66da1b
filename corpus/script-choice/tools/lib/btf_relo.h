/* Included by drivers/misc/btfuse.c as "../tools/lib/btf_relo.h": not beside it, but found through -I include. */
__attribute__((used, section(".btf_relo"))) static const int btf_relo_entry = 3;	/* expect: KGC203, KGC203 */
