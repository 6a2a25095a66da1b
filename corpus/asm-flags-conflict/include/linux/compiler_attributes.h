/* The kernel's own spelling of the section attribute, as kgclint must read it. */
#define __section(section)	__attribute__((__section__(section)))
#define __used			__attribute__((__used__))
