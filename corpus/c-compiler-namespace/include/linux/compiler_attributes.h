/* The kernel's own spellings of the attributes, as kgclint must read them. */
#define __section(section)	__attribute__((__section__(section)))
#define __used			__attribute__((__used__))
#define __maybe_unused		__attribute__((__unused__))
