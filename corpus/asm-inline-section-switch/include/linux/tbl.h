/* A macro that writes a file-scope asm entry with .section/.previous, like 6.12's EXPORT_SYMBOL. */
#define ___TBL_ENTRY(sym)					\
	.section ".tbl_entries","a"			;	\
	.balign 8					;	\
	.quad sym					;	\
	.previous
#define __tbl_str(x...) #x
#define __tbl_stringify(x...) __tbl_str(x)
#define TBL_ENTRY(sym) asm(__tbl_stringify(___TBL_ENTRY(sym))) /* expect: KGC104 */
