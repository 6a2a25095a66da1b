/* Shared script fragments, as in the kernel's include/asm-generic/vmlinux.lds.h. */
#ifndef __ASM_GENERIC_VMLINUX_LDS_H
#define __ASM_GENERIC_VMLINUX_LDS_H

#define BOUNDED_TABLE(name)						\
	. = ALIGN(8);							\
	__##name##_start = .;						\
	*(.name)	/* expect: KGC201 */				\
	__##name##_end = .;

#define RO_TABLES							\
	BOUNDED_TABLE(mytab)

#endif
