#ifndef _LINUX_EXPORT_H
#define _LINUX_EXPORT_H
/* The symbol table entry of an exported symbol, as kernels before 6.5 built it. */
struct kernel_symbol { const void *value; const char *name; };
#define EXPORT_SYMBOL(sym)						\
	extern typeof(sym) sym;						\
	static const char __kstrtab_##sym[] = #sym;			\
	const struct kernel_symbol __ksymtab_##sym			\
	__attribute__((section("___ksymtab+" #sym), used))		\
	= { &sym, __kstrtab_##sym }
#endif
