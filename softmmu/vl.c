/* placeholder: being written */
#include "qemu/osdep.h"
int lapis_main(int argc, char **argv);
int lapis_main(int argc, char **argv) { return 0; }
