#include "qemu/osdep.h"
int lapis_main(int argc, char **argv);
int main(int argc, char **argv)
{
    return lapis_main(argc, argv);
}
