/* A table of named hooks, walked between two script symbols. */
struct mytab_entry {
	const char *name;
	int (*fn)(void);
};

#define DEFINE_MYTAB(n, f)						\
	static const struct mytab_entry __mytab_##n			\
	__attribute__((used, section(".mytab"))) = { #n, f }

extern const struct mytab_entry __mytab_start[], __mytab_end[];
