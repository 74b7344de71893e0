#!/usr/bin/env python3
"""The interpreter benchmark: run the compute-bound guest (bench.c: a sieve
and a mixed integer workload) on lapis and, when installed, on
qemu-system-x86_64 with TCG, the same image in the same run. Prints wall
time, the time past start-up (the hello image's run time is subtracted),
guest instructions per second (lapis counts them: the trace point
tcg_vcpu_thread_stop; the same count is used for QEMU, since both run the
same instructions) and the ratio.

usage: bench-guest.py LAPIS IMAGE_DIR [--runs N] [--bits 32|64]
"""
import argparse
import re
import shutil
import subprocess
import sys
import time

p = argparse.ArgumentParser()
p.add_argument('lapis')
p.add_argument('image_dir')
p.add_argument('--runs', type=int, default=3)
p.add_argument('--bits', default='64')
a = p.parse_args()

ARGS = ['-display', 'none', '-serial', 'stdio', '-no-reboot',
        '-device', 'isa-debug-exit,iobase=0xf4,iosize=4']


def run(emu, img, extra=()):
    t0 = time.monotonic()
    r = subprocess.run([emu] + ARGS + ['-kernel', img] + list(extra),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=600)
    t = time.monotonic() - t0
    out = r.stdout.decode('utf-8', 'replace')
    if r.returncode != 1 or 'PASS:' not in out:
        print('  %s failed (status %d):\n%s' % (emu, r.returncode, out))
        return None, r
    return t, r


def best(emu, img):
    times = []
    for _ in range(a.runs):
        t, _ = run(emu, img)
        if t is None:
            return None
        times.append(t)
    return min(times)


bench = '%s/bench-%s.img' % (a.image_dir, a.bits)
hello = '%s/hello-%s.img' % (a.image_dir, a.bits)
_, r = run(a.lapis, bench, ['-trace', 'tcg_vcpu_thread_stop'])
if r.returncode != 1:
    sys.exit(1)
m = re.search(r'executed (\d+) guest instructions', r.stderr.decode())
insns = int(m.group(1)) if m else 0
for line in r.stdout.decode().splitlines():
    if line.startswith('# sieve') or line.startswith('# mixed'):
        print('  guest:' + line[1:])

results = {}
emus = [('lapis', a.lapis)]
qemu = shutil.which('qemu-system-x86_64')
if qemu:
    emus.append(('qemu-tcg', qemu))
else:
    print('  qemu-system-x86_64 not installed: lapis only')
for name, emu in emus:
    total = best(emu, bench)
    start = best(emu, hello)
    if total is None or start is None:
        sys.exit(1)
    run_t = max(total - start, 1e-6)
    results[name] = run_t
    print('  %-9s wall %.3f s, start-up %.3f s, guest run %.3f s, %.0f M guest insns/s'
          % (name, total, start, run_t, insns / run_t / 1e6))
if 'qemu-tcg' in results:
    ratio = results['qemu-tcg'] / results['lapis']
    print('  lapis runs at %.0f%% of QEMU TCG\'s rate (%d-bit guest, %d instructions)'
          % (100 * ratio, int(a.bits), insns))
