/* A built-in object that pulls a user-space library's header (and through it a .c file) into the kernel. */
#include "../../tools/lib/relo.h"
