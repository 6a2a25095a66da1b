/* Firmware blob placed in a section the script never mentions. */
	.section .fwblob, "a"	/* expect: KGC203 */
	.byte	1, 2, 3, 4
	.text
	.globl	_start
_start:
	ret
