/* Like kernel/bpf/btf.c: a quoted include that only Kbuild's -I include resolves (include/../tools/...). */
#include "../tools/lib/btf_relo.h"
