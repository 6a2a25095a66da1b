/* Built for every configuration, but printk exists only when CONFIG_PRINTK=y. */
extern int printk(const char *fmt, ...);

void outsl_acorn(void)
{
	printk("outsl not supported\n");
}
