#!/usr/bin/env bash
# The `make bench` driver: runs the benchmarks already built in BUILD (the
# first argument, default "build") and prints their results. It builds
# nothing; `make bench` builds first. A benchmark that is missing or fails is
# reported and the others still run; the exit status is 1 if any failed.
set -u

BUILD=${1:-build}
BENCH_DIR="$BUILD/tests/bench"
status=0

if [ ! -d "$BENCH_DIR" ]; then
    echo "run-bench: $BENCH_DIR not found (build first: make bench)" >&2
    exit 1
fi

# bench-qtest drives the emulator of this build folder.
export QTEST_BINARY="${QTEST_BINARY:-$(cd "$BUILD" && pwd)/lapis}"

run() {
    local name=$1
    shift
    echo "== $name"
    if [ ! -x "$BENCH_DIR/$name" ]; then
        echo "run-bench: $BENCH_DIR/$name is not built" >&2
        status=1
        return
    fi
    if ! "$BENCH_DIR/$name" "$@"; then
        echo "run-bench: $name failed" >&2
        status=1
    fi
    echo
}

run bench-memory
run bench-qtest
run bench-apic
run bench-ioapic

# The interpreter: a compute-bound guest on lapis and on QEMU TCG (same image).
echo "== guest: interpreter (sieve + mixed integer workload)"
if [ -f "$BUILD/tests/guest/bench-64.img" ]; then
    python3 "$(dirname "$0")/../guest/bench-guest.py" "$BUILD/lapis" \
        "$BUILD/tests/guest" --bits 64 || status=1
    python3 "$(dirname "$0")/../guest/bench-guest.py" "$BUILD/lapis" \
        "$BUILD/tests/guest" --bits 32 || status=1
else
    echo "run-bench: $BUILD/tests/guest/bench-64.img is not built" >&2
    status=1
fi
echo

# Interrupts in a running guest (self-IPI, IPI ping-pong, IOAPIC, LAPIC MMIO,
# SMP boot) on lapis and QEMU TCG: tests/bench/bench-irq.py.
echo "== guest: interrupts and SMP (8 vCPUs, pc-testdev)"
if [ -f "$BUILD/tests/guest/bench-irq.elf" ]; then
    python3 "$(dirname "$0")/bench-irq.py" "$BUILD/lapis" \
        "$BUILD/tests/guest/bench-irq.elf" || status=1
else
    echo "run-bench: $BUILD/tests/guest/bench-irq.elf is not built" >&2
    status=1
fi
echo

exit $status
