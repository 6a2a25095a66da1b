void vector_irq(void)
{
	for (;;)
		;
}

void vector_swi(void)
{
	for (;;)
		;
}
