/* A .c file under tools/ reached only through relo.h, which a built file includes: compiled into the kernel too. */
__attribute__((used, section(".iter_table"))) static const int iter_entry = 2;	/* expect: KGC203, KGC203 */
