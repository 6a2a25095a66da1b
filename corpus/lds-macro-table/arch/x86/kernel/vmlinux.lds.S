#include <asm-generic/vmlinux.lds.h>

ENTRY(_start)
SECTIONS
{
	. = 0x400000;
	.text : { *(.text .text.*) }
	.rodata : {
		*(.rodata .rodata.*)
		RO_TABLES
	}
	.data : { *(.data .data.*) }
	.bss : { *(.bss .bss.*) }
	/DISCARD/ : { *(.note.GNU-stack) *(.comment) }
}
