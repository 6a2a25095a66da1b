#include <linux/quirk.h>

DECLARE_QUIRK(first, 1);

/* The same table without __used: gcc -O2 drops the entry before the linker sees it. */
static const struct quirk forgotten __section(".quirks") = { 2 }; /* expect: KGC101 */

/* __maybe_unused silences the warning and keeps nothing. */
static const struct quirk hushed __maybe_unused __section(".quirks") = { 3 }; /* expect: KGC101 */

/* Named by code in this file: the compiler keeps it. */
static const struct quirk named __section(".quirks") = { 4 };

const struct quirk *first_quirk(void)
{
	return &named;
}

/* A dead variable in a section nothing keeps on purpose: dead code, not a lost table entry. */
static int scratch __section(".scratch") = 5;
