/* Included by prog.c, which prog.ld links: judged against prog.ld. */
__attribute__((used, section(".hdr_hooks"))) static const int prog_hdr_hook = 1;	/* expect: KGC203 */
