/* The source the make rule links with prog.ld. */
#include "prog.h"

__attribute__((used, section(".hooks"))) static const int prog_hook = 1;	/* expect: KGC203 */

int main(void) { return 0; }
