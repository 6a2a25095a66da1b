orphan.o: orphan.S
	gcc -c orphan.S -o orphan.o
