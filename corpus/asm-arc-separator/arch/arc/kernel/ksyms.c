/* ARC's assembler separates statements with '`' (the kernel's ASM_NL there) and reads ';' as a comment: the
 * pushed entry below is popped again, and the .section one returns with .previous, not left open. */
#define ASM_NL `
#define __str(x...) #x
#define __stringify(x...) __str(x)

#define ___PUSHED(sym)	.pushsection ".sym_entries","a" ASM_NL .long sym ASM_NL .popsection
#define PUSHED_ENTRY(sym) asm(__stringify(___PUSHED(sym)))

#define ___SWITCHED(sym) .section ".sym_table","a" ASM_NL .long sym ASM_NL .previous
#define SWITCHED_ENTRY(sym) asm(__stringify(___SWITCHED(sym)))	/* expect: KGC104 */

int counter;
PUSHED_ENTRY(counter);
SWITCHED_ENTRY(counter);
