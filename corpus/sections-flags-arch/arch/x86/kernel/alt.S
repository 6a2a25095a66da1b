/* x86's .altinstructions is read-only, as in the macro every x86 file uses. */
	.pushsection .altinstructions, "a"
	.long 0
	.popsection
