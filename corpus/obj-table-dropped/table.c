/* A table walked between script symbols: entries are never referenced by name. */
struct handler { int (*fn)(void); };

#define HANDLER(f) \
	static const struct handler __handler_##f __attribute__((section(".handlers"), used)) = { f }

static int first(void) { return 1; }
static int second(void) { return 2; }
HANDLER(first);
HANDLER(second);

extern const struct handler __handlers_start[], __handlers_end[];

int run_handlers(void)
{
	int sum = 0;
	for (const struct handler *h = __handlers_start; h < __handlers_end; h++)
		sum += h->fn();
	return sum;
}

int _start(void)
{
	return run_handlers();
}
