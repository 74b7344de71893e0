#!/usr/bin/env python3
"""Run a guest test image on lapis (or QEMU) and report in TAP.

The guest prints TAP lines of its own ("ok N - ...", "not ok N - ...") on
COM1 and ends with "PASS: NAME" or "FAIL: NAME ..."; it leaves through
isa-debug-exit, so the emulator's status is (V << 1) | 1: 1 for a pass.
This runner passes the guest's lines through, adds one check for the exit
status and the pass line, and prints the plan. With --repeat N (meant for
-icount, where a run repeats to the instruction) it runs the image N times
and adds a check that every run printed the same serial output, figures
(TSC counts, tick counts) included.

usage: run-guest-test.py EMULATOR IMAGE [--expect-status N] [--timeout S]
                         [--repeat N] [--extra ARG]...
"""
import argparse
import re
import subprocess
import sys

p = argparse.ArgumentParser()
p.add_argument('emulator')
p.add_argument('image')
p.add_argument('--expect-status', type=int, default=1)
p.add_argument('--expect-line', default=None,
               help='a line the serial output must contain (default: PASS:)')
p.add_argument('--timeout', type=float, default=60)
p.add_argument('--extra', action='append', default=[])
p.add_argument('--repeat', type=int, default=1,
               help='run N times; the serial output must not differ')
a = p.parse_args()

cmd = [a.emulator, '-display', 'none', '-serial', 'stdio', '-no-reboot',
       '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
       '-kernel', a.image] + a.extra


def run_once():
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=a.timeout)
        return (r.stdout.decode('utf-8', 'replace').replace('\r', ''),
                r.stderr.decode('utf-8', 'replace'), r.returncode)
    except subprocess.TimeoutExpired as e:
        return ((e.stdout or b'').decode('utf-8', 'replace').replace('\r', ''),
                'timed out after %gs' % a.timeout, None)


out, err, status = run_once()
others = [run_once() for _ in range(a.repeat - 1)]

n = 0
for line in out.splitlines():
    m = re.match(r'^(ok|not ok) \d+ - (.*)$', line)
    if m:
        n += 1
        print('%s %d - %s' % (m.group(1), n, m.group(2)))
    else:
        print('# ' + line)
for line in err.splitlines():
    print('# stderr: ' + line)
want = a.expect_line or 'PASS:'
ok = status == a.expect_status and want in out
n += 1
print('%s %d - exit status %s (want %d) and "%s" on the serial port' %
      ('ok' if ok else 'not ok', n, status, a.expect_status, want))
if a.repeat > 1:
    first = out.splitlines()
    same = True
    for k, (o, _, st) in enumerate(others, 2):
        lines = o.splitlines()
        if lines != first or st != status:
            same = False
            for i in range(max(len(first), len(lines))):
                x = first[i] if i < len(first) else '<none>'
                y = lines[i] if i < len(lines) else '<none>'
                if x != y:
                    print('# run 1 line %d: %s' % (i + 1, x))
                    print('# run %d line %d: %s' % (k, i + 1, y))
                    break
    figures = sum(1 for line in first if re.search(r'\d', line))
    n += 1
    print('%s %d - %d runs print identical serial output (%d lines with '
          'figures)' % ('ok' if same else 'not ok', n, a.repeat, figures))
print('1..%d' % n)
sys.exit(0)
