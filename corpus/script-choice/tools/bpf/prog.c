/* A user-space (BPF) program: Kbuild never reaches tools/, so no kernel script links it. */
__attribute__((section(".maps"))) int map_fd;
