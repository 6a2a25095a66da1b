/* Only x86 builds reach .altinstructions: the macro lives in x86's headers. */
#define ALTERNATIVE_ENTRY(name) \
	static const int name __attribute__((used, section(".altinstructions"))) = 1
