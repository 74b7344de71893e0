/* The smallest guest test: boots, prints, checks the Multiboot hand-off. */
#include "runtime.h"

const char *test_name = "hello";

void test_main(void)
{
    CHECK_EQ(rt_mb_magic, MB_BOOT_MAGIC, "EAX holds the Multiboot magic");
    CHECK(rt_mb_info != 0, "EBX points to the Multiboot information");
}
