/* A user-space header beside prog.c: Kbuild never reaches tools/, it is on no include search path, and no file of
 * the build includes it, so no kernel script links what it places. */
int map_lookup(int fd);
__attribute__((used, section(".ksyms"))) static int ksym_slot;
