/*
 * A triple fault: with an empty IDT every exception faults again until the
 * CPU gives up. lapis (like QEMU) resets the machine, and with -no-reboot
 * the emulator exits with status 0 instead: the runner expects that.
 */
#include "runtime.h"

const char *test_name = "triple-fault";

void test_main(void)
{
    struct { uint16_t limit; ureg base; } __attribute__((packed)) idtr = { 0, 0 };
    rt_printf("about to triple fault\n");
    __asm__ volatile("lidt %0\n\tud2" : : "m"(idtr));
    rt_printf("still running after a triple fault\n");
}
