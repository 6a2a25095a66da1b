extern const long __start_hooks[], __stop_hooks[];

long sum_hooks(void)
{
	const long *p;
	long sum = 0;

	for (p = __start_hooks; p < __stop_hooks; p++)
		sum += *p;
	return sum;
}

long hooks_total;

void _start(void)
{
	hooks_total = sum_hooks();
	for (;;)
		;
}
