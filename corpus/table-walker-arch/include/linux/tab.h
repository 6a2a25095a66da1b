/* A table of hooks placed by every arch's drivers, walked between two script symbols. */
struct tab_entry {
	int (*fn)(void);
};

#define DEFINE_TAB(n, f)						\
	static const struct tab_entry __tab_##n			\
	__attribute__((used, section(".tab"))) = { f }
