/* The same shape in inline asm: '#' hides the flags written after it. */
asm(".pushsection .inlhack,\"a\",@note #,\"aw\"\n\t.long 1\n\t.popsection"); /* expect: KGC103 */

/* Balanced and plain: no finding. */
asm(".pushsection .inlplain,\"a\"\n\t.long 2\n\t.popsection");
