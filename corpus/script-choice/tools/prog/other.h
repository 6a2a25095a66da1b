/* Included only by other.c, which no rule links with prog.ld. */
__attribute__((used, section(".other_hdr_hooks"))) static const int other_hdr_hook = 1;
