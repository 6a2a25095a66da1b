#include "../../include/linux/mytab.h"

static int probe_one(void) { return 1; }
static int probe_two(void) { return 2; }

DEFINE_MYTAB(one, probe_one);
DEFINE_MYTAB(two, probe_two);
