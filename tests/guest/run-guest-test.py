#!/usr/bin/env python3
"""Run a guest test image on lapis (or QEMU) and report in TAP.

The guest prints TAP lines of its own ("ok N - ...", "not ok N - ...") on
COM1 and ends with "PASS: NAME" or "FAIL: NAME ..."; it leaves through
isa-debug-exit, so the emulator's status is (V << 1) | 1: 1 for a pass.
This runner passes the guest's lines through, adds one check for the exit
status and the pass line, and prints the plan.

usage: run-guest-test.py EMULATOR IMAGE [--expect-status N] [--timeout S]
                         [--extra ARG]...
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
a = p.parse_args()

cmd = [a.emulator, '-display', 'none', '-serial', 'stdio', '-no-reboot',
       '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
       '-kernel', a.image] + a.extra
try:
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=a.timeout)
    out = r.stdout.decode('utf-8', 'replace').replace('\r', '')
    err = r.stderr.decode('utf-8', 'replace')
    status = r.returncode
except subprocess.TimeoutExpired as e:
    out = (e.stdout or b'').decode('utf-8', 'replace').replace('\r', '')
    err = 'timed out after %gs' % a.timeout
    status = None

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
print('1..%d' % n)
sys.exit(0)
