/*
 * The interpreter benchmark (make bench): a compute-bound guest with two
 * parts, a sieve of Eratosthenes over a 8 MiB byte array (memory-bound,
 * loads, stores, compare-and-branch) and a mixed integer workload (LCG and
 * xorshift, multiplies, divides, shifts, table look-ups, a bitwise CRC-32,
 * calls). It prints checksums so a wrong result is visible; the timing is
 * taken outside, on the host, by tests/bench/run-bench.sh.
 */
#include "runtime.h"

const char *test_name = "bench";

#define SIEVE_N (8u << 20)
static uint8_t composite[SIEVE_N];

static uint32_t sieve(void)
{
    uint32_t count = 0;
    for (uint32_t i = 0; i < SIEVE_N; i++) {
        composite[i] = 0;
    }
    for (uint32_t i = 2; i < SIEVE_N; i++) {
        if (!composite[i]) {
            count++;
            for (uint32_t j = i + i; j < SIEVE_N; j += i) {
                composite[j] = 1;
            }
        }
    }
    return count;
}

static uint32_t crc32_byte(uint32_t crc, uint8_t b)
{
    crc ^= b;
    for (int k = 0; k < 8; k++) {
        crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
    return crc;
}

static uint32_t table[256];

static __attribute__((noinline)) uint32_t mix(uint32_t x, uint32_t y)
{
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x * 2654435761u + (y % 97) + table[(x ^ y) & 255];
}

static uint64_t mixed(uint32_t rounds)
{
    uint32_t lcg = 12345, crc = ~0u, acc = 1;
    uint64_t sum = 0;
    for (int i = 0; i < 256; i++) {
        table[i] = i * 0x9e3779b9u;
    }
    for (uint32_t i = 0; i < rounds; i++) {
        lcg = lcg * 1103515245u + 12345;
        acc = mix(acc + i, lcg);
        crc = crc32_byte(crc, (uint8_t)acc);
        if (acc & 1) {
            sum += acc / ((lcg >> 16) | 1);
        } else {
            sum ^= (uint64_t)acc << (i & 31);
        }
        table[i & 255] += crc;
    }
    return sum ^ crc;
}

void test_main(void)
{
    uint64_t t0 = rdtsc();
    uint32_t primes = sieve();
    uint64_t t1 = rdtsc();
    uint64_t m = mixed(3000000);
    uint64_t t2 = rdtsc();
    rt_printf("# sieve: %u primes below %u (%llu TSC ticks)\n", primes, SIEVE_N,
              (unsigned long long)(t1 - t0));
    rt_printf("# mixed: checksum %llx (%llu TSC ticks)\n", (unsigned long long)m,
              (unsigned long long)(t2 - t1));
    CHECK_EQ(primes, 564163, "the sieve counts the primes below 8M");
}
