/* Another program of the folder, linked without a script: prog.ld beside it has nothing to say about it. */
#include "other.h"

__attribute__((used, section(".other_hooks"))) static const int other_hook = 1;

int main(void) { return 0; }
