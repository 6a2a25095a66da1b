/* A generic file's own section, which no image script takes: an orphan for every arch. */
__attribute__((used, section(".fwblob"))) static const char blob[] = "fw";	/* expect: KGC203, KGC203 */
