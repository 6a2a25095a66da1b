uaccess.o: uaccess.S
	gcc -c uaccess.S -o uaccess.o
