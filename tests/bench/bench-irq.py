#!/usr/bin/env python3
"""The guest interrupt benchmarks of `make bench`: boot the bench-irq image
(tests/guest/irq/bench-irq.c) with 8 vCPUs and pc-testdev on lapis and, when
it is installed, on qemu-system-x86_64 -accel tcg; take the best of RUNS
runs of each, and print both figures with the ratio ("speedup": above 1
means lapis is faster). The guest times itself with the TSC, calibrated
against the ACPI PM timer, and prints "RESULT <name> <value> <unit>" lines.

usage: bench-irq.py LAPIS IMAGE [--runs N] [--qemu PATH]
"""
import argparse
import re
import shutil
import subprocess
import sys

p = argparse.ArgumentParser()
p.add_argument('lapis')
p.add_argument('image')
p.add_argument('--runs', type=int, default=3)
p.add_argument('--qemu', default=shutil.which('qemu-system-x86_64'))
a = p.parse_args()

COMMON = ['-display', 'none', '-serial', 'stdio', '-smp', '8',
          '-device', 'pc-testdev', '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
          '-kernel', a.image]


def run(cmd):
    best = {}
    units = {}
    for _ in range(a.runs):
        try:
            r = subprocess.run(cmd + COMMON, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                               timeout=120)
        except subprocess.TimeoutExpired:
            print('bench-irq: %s timed out' % cmd[0], file=sys.stderr)
            return None, None
        out = r.stdout.decode('utf-8', 'replace')
        if 'PASS:' not in out:
            print('bench-irq: %s failed:\n%s' % (cmd[0], out), file=sys.stderr)
            return None, None
        for m in re.finditer(r'^RESULT (\S+) (\d+) (\S+)', out, re.M):
            name, v, unit = m.group(1), int(m.group(2)), m.group(3)
            units[name] = unit
            if name not in best:
                best[name] = v
            elif unit == 'us':
                best[name] = min(best[name], v)
            else:
                best[name] = max(best[name], v)
    return best, units


lapis, units = run([a.lapis])
if lapis is None:
    sys.exit(1)
qemu = None
if a.qemu:
    qemu, _ = run([a.qemu, '-accel', 'tcg'])
print('%-36s %16s %16s %8s' % ('benchmark', 'lapis', 'qemu tcg', 'speedup'))
for name, v in lapis.items():
    unit = units[name]
    q = qemu.get(name) if qemu else None
    if q:
        ratio = (q / v) if unit == 'us' else (v / q)
        print('%-36s %13d %-5s %10d %-5s %7.2fx' % (name, v, unit, q, unit, ratio))
    else:
        print('%-36s %13d %-5s %16s %8s' % (name, v, unit, 'n/a', ''))
if not a.qemu:
    print('(qemu-system-x86_64 not installed: lapis figures only)')
