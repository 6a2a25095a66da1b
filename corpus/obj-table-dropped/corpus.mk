# Objects as Kbuild builds them for LD_DEAD_CODE_DATA_ELIMINATION.
table.o: table.c
	gcc -c -O2 -ffunction-sections -fdata-sections table.c -o table.o
