/* A user-space header beside prog.c: headers are judged by who includes them, not by their folder. */
int map_lookup(int fd);
