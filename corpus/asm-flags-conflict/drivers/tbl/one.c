#include <linux/compiler_attributes.h>
struct ent { int v; };

static const struct ent one __used __section(".drv.tbl") = { 1 };
