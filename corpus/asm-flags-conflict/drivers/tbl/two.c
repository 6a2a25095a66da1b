#include <linux/compiler_attributes.h>
struct ent { int v; };

static const struct ent two __used __section(".drv.tbl") = { 1 };
