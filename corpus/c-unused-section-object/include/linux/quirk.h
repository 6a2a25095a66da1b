#include <linux/compiler_attributes.h>

struct quirk { int id; };

/* A table-entry macro defined in the tree: the entry is static, named by nobody, kept by __used. */
#define DECLARE_QUIRK(name, n) \
	static const struct quirk __quirk_##name __used __section(".quirks") = { n }
